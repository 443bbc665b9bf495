"""One person, one identity: every spelling of an address shares one lockout and one account."""

import pytest
from django.urls import reverse

from backstride.accounts.forms import SignupForm
from backstride.accounts.identity import normalise_email
from backstride.accounts.models import User
from tests.conftest import PASSWORD, make_user

pytestmark = pytest.mark.django_db

AXES_USERNAME_CALLABLE = "backstride.accounts.identity.axes_username"
SPELLINGS = [
    "bf@example.org",
    "BF@example.org",
    "bf@EXAMPLE.org",
    " bf@example.org",
    "Bf@Example.ORG ",
]


@pytest.fixture
def bf(settings):
    settings.AXES_USERNAME_CALLABLE = AXES_USERNAME_CALLABLE
    return make_user("bf@example.org")


def log_in(client, username, password):
    return client.post(reverse("accounts:login"), {"username": username, "password": password})


@pytest.mark.parametrize("locked_spelling", SPELLINGS)
def test_lockout_holds_for_every_spelling_of_the_address(client, settings, bf, locked_spelling):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, locked_spelling, "wrong-password")
    for spelling in SPELLINGS:
        response = log_in(client, spelling, PASSWORD)
        assert response.status_code == 429, spelling
        assert "_auth_user_id" not in client.session


def test_failures_in_different_spellings_add_up_to_one_lockout(client, settings, bf):
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, SPELLINGS[attempt % len(SPELLINGS)], "wrong-password")
    assert log_in(client, "bf@example.org", PASSWORD).status_code == 429


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_every_spelling_logs_in_to_the_one_account(client, bf, spelling):
    response = log_in(client, spelling, PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(bf.pk)


def test_the_admin_login_shares_the_lockout(client, settings, bf):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, "BF@EXAMPLE.ORG", "wrong-password")
    response = client.post("/admin/login/", {"username": "Bf@example.org", "password": PASSWORD})
    assert response.status_code == 429


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("  Mixed.Case@Example.ORG ", "mixed.case@example.org"),
        ("Asa@ÅLAND.Example", "asa@åland.example"),
        ("ſue@example.org", "sue@example.org"),  # long s: Django accepts it as an "s"
        # Case folding, as IDNA 2003 (what Django's mail sending uses) does for the domain.
        ("Post@Straße.de", "post@strasse.de"),
    ],
)
def test_addresses_are_stored_in_one_spelling(typed, stored):
    assert normalise_email(typed) == stored
    user = User.objects.create_user(email=typed, password=PASSWORD)
    assert user.email == stored
    form = SignupForm(
        {"email": typed, "password": "slow-and-steady-wins", "terms": "on", "display_name": ""}
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["email"] == stored


def test_an_address_saved_through_the_admin_is_stored_in_one_spelling(client_for, admin_user):
    response = client_for(admin_user).post(
        "/admin/accounts/user/add/",
        {
            "email": "New.Clinician@Clinic.Example",
            "password1": "slow-and-steady-wins",
            "password2": "slow-and-steady-wins",
            "usable_password": "true",
            "role": "clinician",
        },
    )
    assert response.status_code == 302, response.content
    assert User.objects.filter(email="new.clinician@clinic.example").exists()


def test_axes_keys_on_the_normalised_address(rf):
    from backstride.accounts.identity import axes_username

    request = rf.post("/accounts/login/", {"username": " BF@Example.org"})
    assert axes_username(request, {"username": " BF@Example.org "}) == "bf@example.org"
    assert axes_username(request, None) == "bf@example.org"
    assert axes_username(rf.post("/accounts/login/", {}), None) is None
