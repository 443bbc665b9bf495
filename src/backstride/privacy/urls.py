from django.urls import path

from . import views

app_name = "privacy"

urlpatterns = [
    path("", views.your_data, name="your_data"),
    path("access/", views.access_log, name="access_log"),
    path("export/", views.export_start, name="export_start"),
    path("export/<uuid:pk>/", views.export_detail, name="export_detail"),
    path("export/<uuid:pk>/status/", views.export_status, name="export_status"),
    path("export/download/<str:token>/", views.export_download, name="export_download"),
    path("delete/", views.delete_account, name="delete"),
    path("deleted/", views.deleted, name="deleted"),
]
