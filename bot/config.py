"""Configuration: `load_config` reads the built-in defaults, then the environment, then an
explicit dict, so a test's dict and a deployment's environment variables end up in the same
place; the setting names are a contract listed in docs/ARCHITECTURE.md."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

from limits import parse_many

PROJECT_ROOT = Path(__file__).resolve().parent.parent
INSTANCE_DIR = PROJECT_ROOT / "instance"

# Every setting the app understands, with its default. None means "not set".
DEFAULTS: dict[str, Any] = {
    "DATABASE_URL": f"sqlite:///{INSTANCE_DIR / 'replydesk.sqlite3'}",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "SECRET_KEY": None,
    "PUBLIC_BASE_URL": "http://127.0.0.1:5000",
    "TWILIO_ACCOUNT_SID": None,
    "TWILIO_AUTH_TOKEN": None,
    "TWILIO_API_BASE_URL": "https://api.twilio.com",
    "SMS_TRANSPORT": None,  # resolved below: twilio with credentials, else simulator
    "EMAIL_TRANSPORT": None,  # resolved below: smtp with SMTP_URL, else simulator
    "SMTP_URL": None,
    "MAIL_FROM": "ReplyDesk <no-reply@localhost>",
    # How long a send may take before another worker may take the notice over.
    "SEND_LEASE_SECONDS": 600,
    # Default pace of one Twilio sender, in SMS segments a second (a business may set its own).
    "SMS_PER_SECOND": 1.0,
    # Abuse limits (Flask-Limiter), each "N per period" as the `limits` library reads it.
    "RATELIMIT_ENABLED": True,
    "RATELIMIT_STORAGE_URI": None,  # resolved below: REDIS_URL
    "RATELIMIT_LOGIN_PER_ADDRESS": "20 per 10 minutes",
    "RATELIMIT_LOGIN_PER_ACCOUNT_AND_ADDRESS": "10 per 10 minutes",
    "RATELIMIT_LOGIN_PER_ACCOUNT": "50 per hour",
    "RATELIMIT_API_PER_KEY": "600 per minute",
    "RATELIMIT_API_BAD_KEY_PER_ADDRESS": "60 per minute",
    "RATELIMIT_LINKS_PER_ADDRESS": "30 per minute",
    # Let webhook endpoints name private, loopback or link-local hosts (tests, self-hosters).
    "ALLOW_PRIVATE_WEBHOOK_URLS": False,
    # Request bodies: the largest accepted (413 beyond it, url-encoded forms included),
    # and for multipart forms the largest text field and the number of parts.
    "MAX_CONTENT_LENGTH": 1024 * 1024,
    "MAX_FORM_MEMORY_SIZE": 256 * 1024,
    "MAX_FORM_PARTS": 200,
    # Behind a TLS proxy or load balancer: how many proxies in front of the web process to
    # trust for the client's address and scheme (X-Forwarded-For/-Proto/-Host); 0 trusts none.
    "TRUSTED_PROXIES": 0,
    # Log lines as text (the default) or as one JSON object each, for a log collector.
    "LOG_FORMAT": "text",
    "LOG_LEVEL": "INFO",
}

# Settings read from the environment as numbers.
NUMERIC_SETTINGS = {
    "SEND_LEASE_SECONDS": int,
    "SMS_PER_SECOND": float,
    "MAX_CONTENT_LENGTH": int,
    "MAX_FORM_MEMORY_SIZE": int,
    "MAX_FORM_PARTS": int,
}
# Settings read from the environment as yes/no switches.
BOOLEAN_SETTINGS = ("RATELIMIT_ENABLED", "ALLOW_PRIVATE_WEBHOOK_URLS")
_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off", "")

# Rate limit strings, checked at start-up so a typo is not a limit silently skipped.
RATE_LIMIT_SETTINGS = tuple(
    name for name in DEFAULTS if name.startswith("RATELIMIT_") and isinstance(DEFAULTS[name], str)
)

SMS_TRANSPORTS = ("twilio", "simulator")
LOG_FORMATS = ("text", "json")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
EMAIL_TRANSPORTS = ("smtp", "simulator")

# Used only when SECRET_KEY is unset, so `make run` works out of the box; the
# web app says so on its login page and production deployments must set one.
DEVELOPMENT_SECRET_KEY = "replydesk-development-secret-change-me"


class ConfigError(ValueError):
    """A setting has a value the app cannot work with."""


def load_config(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Return the settings: defaults, then the environment, then `overrides`.

    Raises ConfigError when a transport name is unknown or Twilio is chosen
    without credentials.
    """
    config = dict(DEFAULTS)
    for name in DEFAULTS:
        value = os.environ.get(name)
        if value not in (None, ""):
            config[name] = value
    config.update(overrides or {})
    for name, kind in NUMERIC_SETTINGS.items():
        try:
            config[name] = kind(config[name])
        except (TypeError, ValueError) as error:
            raise ConfigError(f"{name} must be a number, not {config[name]!r}") from error
        if config[name] <= 0:
            raise ConfigError(f"{name} must be above zero")
    for name in BOOLEAN_SETTINGS:
        config[name] = _boolean(name, config[name])
    try:
        config["TRUSTED_PROXIES"] = int(config["TRUSTED_PROXIES"])
    except (TypeError, ValueError) as error:
        raise ConfigError(
            f"TRUSTED_PROXIES must be a whole number, not {config['TRUSTED_PROXIES']!r}"
        ) from error
    if config["TRUSTED_PROXIES"] < 0:
        raise ConfigError("TRUSTED_PROXIES must be 0 or more")
    config["LOG_FORMAT"] = str(config["LOG_FORMAT"]).lower()
    if config["LOG_FORMAT"] not in LOG_FORMATS:
        raise ConfigError(f"LOG_FORMAT must be one of {', '.join(LOG_FORMATS)}")
    config["LOG_LEVEL"] = str(config["LOG_LEVEL"]).upper()
    if config["LOG_LEVEL"] not in LOG_LEVELS:
        raise ConfigError(f"LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}")

    _read_rate_limit_settings(config)

    has_twilio = bool(config["TWILIO_ACCOUNT_SID"] and config["TWILIO_AUTH_TOKEN"])
    if not config["SMS_TRANSPORT"]:
        config["SMS_TRANSPORT"] = "twilio" if has_twilio else "simulator"
    if not config["EMAIL_TRANSPORT"]:
        config["EMAIL_TRANSPORT"] = "smtp" if config["SMTP_URL"] else "simulator"
    if not config["SECRET_KEY"]:
        config["SECRET_KEY"] = DEVELOPMENT_SECRET_KEY

    if config["SMS_TRANSPORT"] not in SMS_TRANSPORTS:
        raise ConfigError(f"SMS_TRANSPORT must be one of {', '.join(SMS_TRANSPORTS)}")
    if config["EMAIL_TRANSPORT"] not in EMAIL_TRANSPORTS:
        raise ConfigError(f"EMAIL_TRANSPORT must be one of {', '.join(EMAIL_TRANSPORTS)}")
    if config["SMS_TRANSPORT"] == "twilio" and not has_twilio:
        raise ConfigError("SMS_TRANSPORT=twilio needs TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN")
    if config["EMAIL_TRANSPORT"] == "smtp" and not config["SMTP_URL"]:
        raise ConfigError("EMAIL_TRANSPORT=smtp needs SMTP_URL")
    config["PUBLIC_BASE_URL"] = str(config["PUBLIC_BASE_URL"]).rstrip("/")
    config["DATABASE_URL"] = _with_driver(str(config["DATABASE_URL"]))
    return config


def _with_driver(url: str) -> str:
    """A PostgreSQL URL as hosting platforms write it (`postgres://`, `postgresql://`) made to
    name the driver ReplyDesk installs, psycopg 3; SQLAlchemy would look for psycopg2."""
    for scheme in ("postgres://", "postgresql://"):
        if url.startswith(scheme):
            return "postgresql+psycopg://" + url.removeprefix(scheme)
    return url


def _read_rate_limit_settings(config: dict[str, Any]) -> None:
    """Check the RATELIMIT_* limit strings; resolve the limiter's storage."""
    for name in RATE_LIMIT_SETTINGS:
        try:
            parse_many(str(config[name]))
        except ValueError as error:
            raise ConfigError(
                f"{name} must be a rate limit such as '10 per minute', not {config[name]!r}"
            ) from error
    if not config["RATELIMIT_STORAGE_URI"]:
        config["RATELIMIT_STORAGE_URI"] = config["REDIS_URL"]


def _boolean(name: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE or text in _FALSE:
        return text in _TRUE
    raise ConfigError(f"{name} must be true or false (1/0, yes/no, on/off), not {value!r}")


def webhook_auth_token(config: dict[str, Any]) -> str:
    """The key Twilio-style webhook signatures are checked against.

    With real Twilio this is the account's auth token. In simulator mode
    without Twilio credentials the phone simulator signs its requests with a
    key derived from SECRET_KEY, so the webhook's check is the same code path.
    """
    if config.get("TWILIO_AUTH_TOKEN"):
        return config["TWILIO_AUTH_TOKEN"]
    return hashlib.sha256(("simulator:" + config["SECRET_KEY"]).encode()).hexdigest()[:32]
