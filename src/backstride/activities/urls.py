from django.urls import path

from . import views

app_name = "activities"

urlpatterns = [
    path("", views.activity_list, name="list"),
    path("log/", views.log_activity, name="log"),
    path("upload/", views.upload, name="upload"),
    path("imports/<uuid:batch_id>/", views.import_batch, name="import_batch"),
    path("imports/<uuid:batch_id>/status/", views.import_status, name="import_status"),
    path("load/", views.load, name="load"),
    path("export.json", views.export_json, name="export_json"),
    path("export.csv", views.export_csv, name="export_csv"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/delete/", views.delete, name="delete"),
    path("<int:pk>/original/", views.download_original, name="original"),
    path("<int:pk>/gpx/", views.download_gpx, name="gpx"),
    path("athlete/<int:athlete_id>/", views.client_list, name="client_list"),
    path("athlete/<int:athlete_id>/load/", views.client_load, name="client_load"),
    path("athlete/<int:athlete_id>/<int:pk>/", views.client_detail, name="client_detail"),
]
