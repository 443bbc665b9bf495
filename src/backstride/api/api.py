"""The JSON API (django-ninja): OpenAPI at /api/openapi.json, docs at /api/docs.

Each domain app adds its router here; routers call the same service functions and the same
permission checks (`backstride.accounts.permissions`) as the web views.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Body, Schema

from backstride.accounts.api import router as sharing_router
from backstride.accounts.forms import ProfileForm
from backstride.accounts.models import User
from backstride.activities.api import router as activities_router
from backstride.clinic.api import router as clinic_router
from backstride.formcheck.api import router as formcheck_router
from backstride.lib.fields import from_attributes
from backstride.privacy.api import router as privacy_router
from backstride.rehab.api import router as rehab_router
from backstride.running.api import router as running_router

from .auth import api_auth
from .errors import BackstrideAPI
from .forms import FormInvalid, clean, form_invalid

api = BackstrideAPI(
    title="Backstride API",
    version="1",
    description=(
        "Rehab, runs and publication data. Authenticate with `Authorization: Bearer <token>`."
    ),
    auth=api_auth,
    urls_namespace="api",
)
api.add_exception_handler(FormInvalid, form_invalid)


class Me(Schema):
    id: int
    email: str
    display_name: str
    role: str
    timezone: str


def _me(user: User) -> Me:
    return from_attributes(Me, user)


@api.get("/me", response=Me, tags=["accounts"], summary="The signed-in person")
def me(request: HttpRequest) -> Me:
    user = request.user
    assert isinstance(user, User)  # the auth classes guarantee a signed-in person
    return _me(user)


@api.patch("/me", response=Me, tags=["accounts"], summary="Change your name or time zone")
def update_me(request: HttpRequest, payload: Body[dict[str, Any]]) -> Me:
    """Fields as on the profile page: ``display_name`` and ``timezone`` (an IANA name);
    a field left out keeps its value."""
    user = request.user
    assert isinstance(user, User)
    current = {"display_name": user.display_name, "timezone": user.timezone}
    values = clean(lambda d: ProfileForm(d, instance=user), current | dict(payload))
    User.objects.filter(pk=user.pk).update(**values)
    user.refresh_from_db()
    return _me(user)


# Each app with endpoints has a `router` in `backstride.<app>.api`; add a new one here.
api.add_router("/rehab/", rehab_router)
api.add_router("/activities/", activities_router)
api.add_router("/running/", running_router)
api.add_router("/formcheck/", formcheck_router)
api.add_router("/me/", privacy_router)
api.add_router("/clinic/", clinic_router)
api.add_router("/sharing/", sharing_router)
