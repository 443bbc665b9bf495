"""Root URLs: each app mounts its own."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from backstride.api import views as api_views
from backstride.api.api import api

urlpatterns = [
    path("", include("backstride.web.urls")),
    path("accounts/", include("backstride.accounts.urls")),
    path("your-data/", include("backstride.privacy.urls")),
    path("rehab/", include("backstride.rehab.urls")),
    path("activities/", include("backstride.activities.urls")),
    path("running/", include("backstride.running.urls")),
    path("form-check/", include("backstride.formcheck.urls")),
    path("clinic/", include("backstride.clinic.urls")),
    path("newsletter/", include("backstride.newsletter.urls")),
    path("", include("backstride.publication.urls")),
    path("api/", api.urls),
    path("settings/api-tokens/", api_views.tokens, name="api_tokens"),
    path("settings/api-tokens/<int:pk>/revoke/", api_views.revoke, name="api_token_revoke"),
    path("admin/", admin.site.urls),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
