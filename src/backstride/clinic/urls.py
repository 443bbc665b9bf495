from django.urls import path

from . import views

app_name = "clinic"

urlpatterns = [
    path("", views.caseload, name="caseload"),
    path("clients/<int:athlete_id>/", views.client, name="client"),
    path("clients/<int:athlete_id>/export.json", views.export, name="export"),
    path("clients/<int:athlete_id>/notes/", views.note_add, name="note_add"),
    path("clients/<int:athlete_id>/notes/<int:note_id>/", views.note_edit, name="note_edit"),
    path("clients/<int:athlete_id>/tailor/", views.tailor, name="tailor"),
    path("clients/<int:athlete_id>/clear/", views.clear, name="clear"),
    path("my-plan-changes/", views.my_changes, name="my_changes"),
    path("my-plan-changes/seen/", views.my_changes_seen, name="my_changes_seen"),
]
