from django.urls import path

from . import views

app_name = "rehab"

urlpatterns = [
    path("", views.index, name="index"),
    path("consent/", views.consent, name="consent"),
    path("assessment/", views.assessment, name="assessment"),
    path("assessment/result/", views.assessment_result, name="assessment_result"),
    path("assessment/<slug:step>/", views.assessment_step, name="assessment_step"),
    path("stop/", views.stop, name="stop"),
    path("advice/<int:screen_id>/seen/", views.seen_clinician, name="seen_clinician"),
    path("check/<slug:kind>/", views.screen, name="screen"),
    path("today/", views.today, name="today"),
    path("today/done/", views.session_done, name="session_done"),
    path("checkin/", views.checkin, name="checkin"),
    path("checkin/morning/", views.morning, name="morning"),
    path("checkin/result/", views.checkin_result, name="checkin_result"),
    path("checkin/48h/", views.fortyeight, name="fortyeight"),
    path("tests/", views.tests, name="tests"),
    path("progress/", views.progress, name="progress"),
    path("outcomes/", views.outcomes, name="outcomes"),
    path("outcomes/new/", views.outcomes_new, name="outcomes_new"),
    path("exercises/", views.exercises, name="exercises"),
    path("exercises/<slug:exercise_id>/", views.exercise, name="exercise"),
    path("athlete/<int:athlete_id>/", views.athlete_detail, name="athlete_detail"),
    path("athlete/<int:athlete_id>/clear/<int:screen_id>/", views.clear, name="clear"),
]
