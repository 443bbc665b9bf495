from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy
from django.views.generic import RedirectView

from . import sharing_views, views

app_name = "accounts"

urlpatterns = [
    path("signup/", views.signup, name="signup"),
    path("verify/sent/", views.verify_sent, name="verify_sent"),
    path("verify/resend/", views.resend_verification, name="resend_verification"),
    path("verify/<str:token>/", views.verify, name="verify"),
    path("login/", views.Login.as_view(), name="login"),
    path("login/code/", views.login_two_factor, name="login_two_factor"),
    path("logout/", views.logout, name="logout"),
    path("profile/", views.profile, name="profile"),
    # "Your data" (export, deletion, the access log) lives in backstride.privacy; the old
    # names still lead there.
    path("data/", RedirectView.as_view(pattern_name="privacy:your_data"), name="your_data"),
    path(
        "data/access/", RedirectView.as_view(pattern_name="privacy:access_log"), name="access_log"
    ),
    # Sharing a record: invitations both ways, the consent screen, the athlete's Sharing page.
    path("invite/client/", sharing_views.invite_client, name="invite_client"),
    path("invite/clinician/", sharing_views.invite_clinician, name="invite_clinician"),
    path(
        "invitations/<int:pk>/resend/",
        sharing_views.resend_invitation,
        name="resend_invitation",
    ),
    path(
        "invitations/<int:pk>/cancel/",
        sharing_views.cancel_invitation,
        name="cancel_invitation",
    ),
    path("invitations/<str:token>/", sharing_views.invitation, name="invitation"),
    path(
        "invitations/<str:token>/signup/",
        sharing_views.invitation_signup,
        name="invitation_signup",
    ),
    path("sharing/", sharing_views.sharing_page, name="sharing"),
    path("sharing/<int:link_id>/stop/", sharing_views.revoke_sharing, name="revoke_sharing"),
    path("sharing/<int:link_id>/consent/", sharing_views.consent_link, name="consent_link"),
    path("two-factor/", views.two_factor_setup, name="two_factor_setup"),
    path("two-factor/disable/", views.two_factor_disable, name="two_factor_disable"),
    path(
        "password/reset/",
        auth_views.PasswordResetView.as_view(
            template_name="accounts/password_reset.html",
            email_template_name="accounts/email/password_reset.txt",
            subject_template_name="accounts/email/password_reset_subject.txt",
            success_url=reverse_lazy("accounts:password_reset_done"),
        ),
        name="password_reset",
    ),
    path(
        "password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html"),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="accounts/password_reset_confirm.html",
            success_url=reverse_lazy("accounts:password_reset_complete"),
        ),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="accounts/password_reset_complete.html"
        ),
        name="password_reset_complete",
    ),
]
