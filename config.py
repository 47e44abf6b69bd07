"""Beacon's configuration, read from the environment.

Every variable is documented in README.md. `create_app()` picks the class named
by `BEACON_ENV` (development, test, production); production refuses to start
without a `SECRET_KEY`.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("BEACON_INSTANCE_DIR", BASE_DIR / "instance"))


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _database_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        return f"sqlite:///{INSTANCE_DIR / 'beacon.db'}"
    # Hosting providers still hand out postgres:// URLs; SQLAlchemy wants the driver named.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


class Config:
    """Settings shared by every environment."""

    ENV_NAME = "base"
    SECRET_KEY = os.environ.get("SECRET_KEY", "")
    SQLALCHEMY_DATABASE_URI = _database_url()
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    # Seconds to wait for PostgreSQL to answer a new connection: a hung or unreachable
    # server then gives an error page instead of holding the request (psycopg waits 130 s).
    DATABASE_CONNECT_TIMEOUT = int(os.environ.get("DATABASE_CONNECT_TIMEOUT", "10"))
    REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    MAIL_URL = os.environ.get("MAIL_URL", "")
    MAIL_FROM = os.environ.get("MAIL_FROM", "Beacon <beacon@localhost>")
    BASE_URL = os.environ.get("BASE_URL", "http://127.0.0.1:5000").rstrip("/")
    DEFAULT_TIMEZONE = os.environ.get("DEFAULT_TIMEZONE", "UTC")
    RQ_QUEUE = os.environ.get("RQ_QUEUE", "beacon")
    TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", "0"))

    # Cookies: HttpOnly and SameSite=Lax everywhere; Secure outside development.
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = True
    SESSION_COOKIE_NAME = "beacon_session"
    PERMANENT_SESSION_LIFETIME = timedelta(hours=12)
    REMEMBER_COOKIE_NAME = "beacon_remember"
    REMEMBER_COOKIE_DURATION = timedelta(days=14)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"
    HSTS = True

    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session does
    MAX_CONTENT_LENGTH = 2 * 1024 * 1024

    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", REDIS_URL)
    RATELIMIT_STRATEGY = "moving-window"
    RATELIMIT_HEADERS_ENABLED = True
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_SWALLOW_ERRORS = True
    LOGIN_LIMIT_PER_IP = os.environ.get("LOGIN_LIMIT_PER_IP", "20 per minute")
    # Failed logins for one account from one address, and for one account from anywhere
    # (the second is a backstop: high enough that strangers cannot lock someone out).
    LOGIN_LIMIT_PER_ACCOUNT = os.environ.get("LOGIN_LIMIT_PER_ACCOUNT", "5 per 15 minutes")
    LOGIN_LIMIT_PER_ACCOUNT_ANYWHERE = os.environ.get(
        "LOGIN_LIMIT_PER_ACCOUNT_ANYWHERE", "50 per hour"
    )

    # argon2id costs; the library defaults (~100 ms per verify) outside tests.
    ARGON2_TIME_COST = 3
    ARGON2_MEMORY_COST = 65536
    ARGON2_PARALLELISM = 4

    INVITATION_TTL = timedelta(days=7)
    PASSWORD_RESET_TTL = timedelta(hours=1)
    OUTBOX_GRACE_SECONDS = 30
    PEOPLE_PER_PAGE = 25

    # xAPI: learning records are forwarded to this LRS when it is set.
    XAPI_ENDPOINT = os.environ.get("XAPI_ENDPOINT", "").rstrip("/")
    XAPI_USERNAME = os.environ.get("XAPI_USERNAME", "")
    XAPI_PASSWORD = os.environ.get("XAPI_PASSWORD", "")


def _dev_secret_key() -> str:
    """A random key kept in the instance folder, so a dev server's cookies cannot be forged."""
    path = INSTANCE_DIR / "dev-secret-key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        import secrets

        path.parent.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        path.write_text(key)
        path.chmod(0o600)
        return key


class DevConfig(Config):
    """Local development: debug on, cookies over plain http, a per-machine dev key."""

    ENV_NAME = "development"
    DEBUG = True
    SECRET_KEY = os.environ.get("SECRET_KEY") or ""

    def __init__(self) -> None:
        if not self.SECRET_KEY:
            type(self).SECRET_KEY = _dev_secret_key()

    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False
    PREFERRED_URL_SCHEME = "http"
    HSTS = False


class TestConfig(Config):
    """The test suite: its own database and Redis, cheap password hashing."""

    ENV_NAME = "test"
    TESTING = True
    SECRET_KEY = "test-only-not-secret"  # noqa: S105
    # tests/matrix.py points this at a SQLite file, then at PostgreSQL.
    SQLALCHEMY_DATABASE_URI = os.environ.get("BEACON_TEST_DATABASE_URL", "")
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False
    PREFERRED_URL_SCHEME = "http"
    HSTS = False
    BASE_URL = "http://localhost"
    MAIL_URL = os.environ.get("BEACON_TEST_MAIL_URL", "")
    RQ_QUEUE = "beacon-test"
    OUTBOX_GRACE_SECONDS = 0
    XAPI_ENDPOINT = os.environ.get("BEACON_TEST_XAPI_ENDPOINT", "")
    RATELIMIT_KEY_PREFIX = "beacon-test"
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_COST = 1024
    ARGON2_PARALLELISM = 1


class ProdConfig(Config):
    """Production: every secret from the environment, secure cookies, HSTS."""

    ENV_NAME = "production"


CONFIGS: dict[str, type[Config]] = {
    "development": DevConfig,
    "test": TestConfig,
    "production": ProdConfig,
}


def config_for(name: str | None = None) -> type[Config]:
    """Return the config class for `name` (default: `BEACON_ENV`, else production)."""
    name = name or os.environ.get("BEACON_ENV", "production")
    try:
        return CONFIGS[name]
    except KeyError:
        raise RuntimeError(
            f"BEACON_ENV={name!r} is not one of {', '.join(sorted(CONFIGS))}"
        ) from None
