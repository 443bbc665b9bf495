from django.urls import path

from . import views

app_name = "running"

urlpatterns = [
    path("", views.plan, name="plan"),
    path("ladder/", views.ladder, name="ladder"),
    path("history/", views.history, name="history"),
    path("readiness/", views.readiness, name="readiness"),
    path("workouts/<str:day>.fit", views.workout_fit, name="workout_fit"),
    path("calendar/", views.calendar, name="calendar"),
    path("calendar/new/", views.calendar_create, name="calendar_create"),
    path("calendar/revoke/", views.calendar_revoke, name="calendar_revoke"),
    path("calendar/<str:token>.ics", views.calendar_feed, name="calendar_feed"),
    path("runs/<int:activity_id>/check-in/", views.checkin, name="checkin"),
    path("check-ins/<int:pk>/", views.checkin_result, name="checkin_result"),
    path("check-ins/<int:pk>/morning/", views.morning, name="morning"),
    path("check-ins/<int:pk>/48-hours/", views.h48, name="h48"),
    path("athletes/<int:athlete_id>/", views.athlete_plan, name="athlete_plan"),
    path("athletes/<int:athlete_id>/ladder/", views.athlete_ladder, name="athlete_ladder"),
    path("athletes/<int:athlete_id>/history/", views.athlete_history, name="athlete_history"),
]
