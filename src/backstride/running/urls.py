from django.urls import path

from . import views

app_name = "running"

urlpatterns = [
    path("", views.plan, name="plan"),
    path("readiness/", views.readiness, name="readiness"),
    path("runs/<int:activity_id>/check-in/", views.checkin, name="checkin"),
    path("check-ins/<int:pk>/", views.checkin_result, name="checkin_result"),
    path("check-ins/<int:pk>/morning/", views.morning, name="morning"),
    path("check-ins/<int:pk>/48-hours/", views.h48, name="h48"),
    path("athletes/<int:athlete_id>/", views.athlete_plan, name="athlete_plan"),
]
