"""The JSON API (django-ninja): OpenAPI at /api/openapi.json, docs at /api/docs.

Each domain app adds its router here; routers call the same service functions and the same
permission checks (`backstride.accounts.permissions`) as the web views.
"""

from __future__ import annotations

from django.http import HttpRequest
from ninja import NinjaAPI, Schema

from backstride.accounts.models import User
from backstride.running.api import router as running_router
from backstride.web.optional import app_module

from .auth import api_auth

api = NinjaAPI(
    title="Backstride API",
    version="1",
    description=(
        "Rehab, runs and publication data. Authenticate with `Authorization: Bearer <token>`."
    ),
    auth=api_auth,
    urls_namespace="api",
)


class Me(Schema):
    id: int
    email: str
    display_name: str
    role: str
    timezone: str


@api.get("/me", response=Me, tags=["accounts"], summary="The signed-in person")
def me(request: HttpRequest) -> Me:
    user = request.user
    assert isinstance(user, User)  # the auth classes guarantee a signed-in person
    return Me(
        id=user.pk,
        email=user.email,
        display_name=user.display_name,
        role=user.role,
        timezone=user.timezone,
    )


# Apps expose `router` in `backstride.<app>.api` when they have endpoints.
for _app in ("rehab", "activities", "publication", "newsletter"):
    _module = app_module(_app, "api")
    if _module is not None:
        api.add_router(f"/{_app}/", _module.router)
api.add_router("/running/", running_router)
