"""In headless Chromium: a runner reads who looked at their record, downloads everything while
the worker builds it, then deletes the account. Screenshots at 1280 and 375 px go to
/tmp/shots (or $SCREENSHOT_DIR); axe-core checks each page."""

from __future__ import annotations

import zipfile

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from backstride.accounts import audit
from backstride.accounts.models import User
from backstride.privacy.models import DataExport, DeletionLog
from tests.conftest import PASSWORD, login_in_browser, make_user, serious, shoot_at_two_widths

from .conftest import populate_runner

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def shoot(page, name: str) -> None:
    """Axe finds nothing serious; screenshots at desktop and phone width."""
    assert serious(Axe().run(page)) == [], name
    shoot_at_two_widths(page, f"privacy-{name}")


def test_see_the_log_download_everything_and_delete_the_account(
    page, live_server, run_tasks, tmp_path
):
    runner = populate_runner()
    TOTPDevice.objects.filter(user=runner).delete()  # sign in with a password only
    runner.set_password(PASSWORD)
    runner.save()
    nosy = make_user("nosy@example.org", role="clinician", display_name="Dr Nosy Parker")
    audit.record(nosy, runner, what="rehab record", action="refused", channel="api")

    login_in_browser(page, live_server, runner.email)
    page.goto(f"{live_server.url}{reverse('accounts:profile')}")
    page.get_by_role("link", name="Your data and sharing").click()
    page.wait_for_url("**/your-data/")
    shoot(page, "your-data")

    page.get_by_role("link", name="Who looked at your data").click()
    page.get_by_role("heading", name="Who looked at your data").wait_for()
    rows = page.locator("table.data tbody tr")
    assert rows.count() == 2
    assert "Dr Casey Clinician, clinician" in rows.nth(1).inner_text()
    assert "refused" in rows.nth(0).inner_text()
    shoot(page, "access-log")

    page.get_by_role("link", name="← Your data").click()
    page.get_by_role("button", name="Prepare my download").click()
    page.get_by_text("Waiting to start").wait_for()
    # Half-way through, as the person sees it while the worker runs.
    export = DataExport.objects.get(user=runner, status="queued")
    DataExport.objects.filter(pk=export.pk).update(
        status="building", step="Your rehab checkins", done=14, total=33
    )
    page.get_by_text("Putting your download together").wait_for()
    assert page.locator("progress").get_attribute("value") == "42"
    shoot(page, "export-progress")

    assert run_tasks() >= 1  # the real worker, while the page polls
    link = page.get_by_role("link", name="Download my data (zip)")
    link.wait_for(timeout=30_000)
    shoot(page, "export-ready")
    with page.expect_download() as info:
        link.click()
    saved = tmp_path / "export.zip"
    info.value.save_as(saved)
    with zipfile.ZipFile(saved) as archive:
        assert archive.testzip() is None
        assert "data.json" in archive.namelist()

    page.goto(f"{live_server.url}{reverse('privacy:your_data')}")
    page.get_by_role("link", name="Delete my account…").click()
    page.get_by_role("heading", name="Delete your account").wait_for()
    shoot(page, "delete")
    page.get_by_label("Type your email address").fill(runner.email)
    page.get_by_label("Your password").fill("not it")
    page.get_by_role("button", name="Delete my account for good").click()
    page.get_by_text("That password isn't right.").wait_for()
    shoot(page, "delete-error")
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Delete my account for good").click()
    page.get_by_role("heading", name="Your account is being deleted").wait_for()
    shoot(page, "deleted")
    run_tasks()
    assert not User.objects.filter(email=runner.email).exists()
    assert DeletionLog.objects.get().completed_at is not None
