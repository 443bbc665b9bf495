from django.urls import path

from . import metrics, views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("today/", views.dashboard, name="dashboard"),
    path("healthz", views.healthz, name="healthz"),
    path("metrics", metrics.metrics_view, name="metrics"),
    path("favicon.ico", views.favicon, name="favicon"),
]
