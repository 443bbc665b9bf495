"""Production settings are safe; SQLite is configured for concurrent writers."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

CHECK_DEPLOY = ("check", "--deploy", "--fail-level", "WARNING")


def run_backstride(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Run ``backstride`` with the production settings module, not the tests' one."""
    skip = {"SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    full_env = {k: v for k, v in os.environ.items() if k not in skip}
    full_env["DJANGO_SETTINGS_MODULE"] = "backstride.settings"
    full_env.update(env)
    return subprocess.run(
        [sys.executable, "-m", "backstride", *args],
        env=full_env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def run_in_production(var_dir: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """``run_backstride`` started as a production server is: DEBUG off, a secret key, one
    allowed host, its var folder at ``var_dir``; ``env`` overrides any of them."""
    production = {
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "backstride.example.org",
        "BACKSTRIDE_VAR_DIR": str(var_dir),
    }
    return run_backstride(*args, **(production | env))


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    proc = run_in_production(tmp_path, *CHECK_DEPLOY)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "no issues" in proc.stdout


def test_check_deploy_complains_without_a_secret_key(tmp_path):
    proc = run_in_production(tmp_path, *CHECK_DEPLOY, SECRET_KEY="")
    assert proc.returncode != 0
    assert "SECRET_KEY" in proc.stdout + proc.stderr


def test_demo_is_refused_when_debug_is_off(tmp_path):
    proc = run_backstride(
        "demo",
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(64),
        BACKSTRIDE_VAR_DIR=str(tmp_path),
        DATABASE_URL=f"sqlite:///{tmp_path}/x.sqlite3",
    )
    assert proc.returncode != 0
    assert "refused when DEBUG is off" in proc.stderr


def test_local_secret_key_is_generated_once_outside_git(tmp_path):
    code = "from backstride import settings; print(settings.SECRET_KEY)"
    env = dict(os.environ)
    env.update(DEBUG="1", SECRET_KEY="", BACKSTRIDE_VAR_DIR=str(tmp_path))
    first = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    second = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert first.stdout == second.stdout
    assert len(first.stdout.strip()) > 40
    assert (tmp_path / ".secret_key").stat().st_mode & 0o077 == 0


@pytest.mark.django_db
def test_sqlite_runs_in_wal_mode_with_immediate_transactions():
    if connection.vendor != "sqlite":
        pytest.skip("SQLite-specific settings")
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone()[0].lower() == "wal"
        cursor.execute("PRAGMA busy_timeout")
        assert cursor.fetchone()[0] >= 5000
    assert connection.settings_dict["OPTIONS"]["transaction_mode"] == "IMMEDIATE"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "smtp://user:p%40ss@mail.example.org:2525",
            {"EMAIL_HOST": "mail.example.org", "EMAIL_PORT": 2525, "EMAIL_HOST_PASSWORD": "p@ss"},
        ),
        ("smtp://mail.example.org", {"EMAIL_PORT": 25, "EMAIL_USE_TLS": False}),
        ("smtp://mail.example.org?starttls", {"EMAIL_USE_TLS": True, "EMAIL_USE_SSL": False}),
        # RFC 8314: smtps is TLS from the first byte on 465, not STARTTLS.
        ("smtps://h", {"EMAIL_PORT": 465, "EMAIL_USE_SSL": True, "EMAIL_USE_TLS": False}),
        ("submission://h", {"EMAIL_PORT": 587, "EMAIL_USE_SSL": False, "EMAIL_USE_TLS": True}),
        ("", {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}),
        ("anymail://mailgun", {"EMAIL_BACKEND": "anymail.backends.mailgun.EmailBackend"}),
    ],
)
def test_email_url_parsing(url, expected):
    from backstride.settings import email_settings

    parsed = email_settings(url)
    assert {key: parsed[key] for key in expected} == expected


@pytest.mark.parametrize("url", ["ftp://nope", "anymail://", "http://mail.example.org"])
def test_an_unsupported_email_url_is_a_clear_error(url):
    from django.core.exceptions import ImproperlyConfigured

    from backstride.settings import email_settings

    with pytest.raises(ImproperlyConfigured, match="not supported: use smtp://"):
        email_settings(url)


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    proc = run_in_production(tmp_path, "migrate", SECRET_KEY="")
    assert proc.returncode != 0
    assert "SECRET_KEY is not set" in proc.stderr
    assert "refuses to start" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "backstride.sqlite3").exists()


def test_production_migrate_creates_the_var_folder_on_a_fresh_install(tmp_path):
    var = tmp_path / "not-yet" / "var"
    proc = run_in_production(var, "migrate", "--verbosity", "0", DATABASE_URL="")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (var / "backstride.sqlite3").is_file()


@pytest.mark.parametrize(
    ("trusted", "expected"),
    [("", "None"), ("1", "('HTTP_X_FORWARDED_PROTO', 'https')")],
)
def test_x_forwarded_proto_is_trusted_only_when_the_operator_says_so(tmp_path, trusted, expected):
    code = (
        "from django.conf import settings; "
        "print(getattr(settings, 'SECURE_PROXY_SSL_HEADER', None))"
    )
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    env.update(
        DJANGO_SETTINGS_MODULE="backstride.settings",
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(64),
        BACKSTRIDE_VAR_DIR=str(tmp_path),
        TRUST_X_FORWARDED_PROTO=trusted,
    )
    proc = subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); " + code],
        env=env,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == expected


def test_a_client_cannot_claim_https_with_a_header(settings):
    from django.test import RequestFactory

    request = RequestFactory().get("/", HTTP_X_FORWARDED_PROTO="https")
    assert settings.SECURE_PROXY_SSL_HEADER is None
    assert not request.is_secure()


@pytest.mark.django_db
def test_pages_carry_a_content_security_policy_without_inline_code(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in csp.split(";") if part.strip())
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert "unsafe-inline" not in csp
    assert "camera=()" in response.headers["Permissions-Policy"]
