from django.urls import include, path

from . import views

app_name = "newsletter"

urlpatterns = [
    path("", views.signup, name="signup"),
    path("confirm/<str:token>/", views.confirm, name="confirm"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("preferences/<str:token>/", views.preferences, name="preferences"),
    path("manual/<str:token>/", views.manual, name="manual"),
    path("editor/", views.editor, name="editor"),
    # Provider webhooks (bounces, complaints, inbound unsubscribe mail), normalised by anymail.
    path("anymail/", include("anymail.urls")),
]
