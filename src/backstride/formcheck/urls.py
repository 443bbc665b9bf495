from django.urls import path

from . import views

app_name = "formcheck"

urlpatterns = [
    path("", views.check_list, name="list"),
    path("new/", views.upload, name="upload"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/status/", views.status, name="status"),
    path("<int:pk>/frames/<int:index>.jpg", views.frame, name="frame"),
    path("<int:pk>/video/", views.video, name="video"),
    path("<int:pk>/delete/", views.delete, name="delete"),
    path("athlete/<int:athlete_id>/", views.client_list, name="client_list"),
    path("athlete/<int:athlete_id>/<int:pk>/", views.client_detail, name="client_detail"),
    path("athlete/<int:athlete_id>/<int:pk>/status/", views.client_status, name="client_status"),
    path(
        "athlete/<int:athlete_id>/<int:pk>/frames/<int:index>.jpg",
        views.client_frame,
        name="client_frame",
    ),
]
