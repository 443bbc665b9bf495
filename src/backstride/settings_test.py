"""Settings for the test suite, chosen explicitly by pytest-django (pyproject.toml).

Everything comes from ``backstride.settings``; only what tests need differently is
changed here: a key that exists only in tests, fast password hashing, plain HTTP, a test
database per process that a real worker process can share.
"""

from __future__ import annotations

import os

# Child processes (worker, CLI) started by the tests inherit this key and this module.
os.environ.setdefault("SECRET_KEY", "tests-only-not-a-secret-" + "x" * 40)

from backstride.settings import *  # noqa: F403
from backstride.settings import DATABASES, VAR_DIR, env, env_bool

ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver", "[::1]"]

# The test runner serves static files from the finders; no manifest to build first.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

# Cheap hashing keeps the suite fast; production uses Argon2 (a test checks that).
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
AXES_ENABLED = env_bool("AXES_ENABLED", True)
# Tests that exercise the staff two-factor rule turn it on with the settings fixture.
REQUIRE_2FA_FOR_STAFF = False

# The test client and live server speak plain HTTP.
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file (not :memory:) so a real worker process can share the test database.
    # One file per test process, so parallel runs on one machine never share a database.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-backstride-{os.getpid()}.sqlite3")}
else:
    DATABASES["default"]["TEST"] = {"NAME": env("TEST_DATABASE_NAME", "backstride_test")}
