"""Configuration: defaults, environment, explicit dict, and refusals."""

import pytest

from bot.config import ConfigError, load_config


def test_simulator_is_the_default_without_twilio_credentials(monkeypatch):
    monkeypatch.delenv("TWILIO_ACCOUNT_SID", raising=False)
    monkeypatch.delenv("TWILIO_AUTH_TOKEN", raising=False)
    monkeypatch.delenv("SMS_TRANSPORT", raising=False)
    config = load_config({})
    assert config["SMS_TRANSPORT"] == "simulator"
    assert config["REDIS_URL"] == "redis://127.0.0.1:6379/0"
    assert config["DATABASE_URL"].startswith("sqlite:///")


def test_twilio_is_the_default_with_credentials_and_env_beats_defaults(monkeypatch):
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", "AC123")
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "secret")
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://desk.example/")
    config = load_config({})
    assert config["SMS_TRANSPORT"] == "twilio"
    assert config["PUBLIC_BASE_URL"] == "https://desk.example"


def test_explicit_dict_beats_the_environment(monkeypatch):
    monkeypatch.setenv("REDIS_URL", "redis://from-env:6379/0")
    assert load_config({"REDIS_URL": "redis://from-dict:6379/1"})["REDIS_URL"] == (
        "redis://from-dict:6379/1"
    )


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"SMS_TRANSPORT": "carrier-pigeon"}, "SMS_TRANSPORT must be one of"),
        ({"SMS_TRANSPORT": "twilio", "TWILIO_ACCOUNT_SID": None}, "needs TWILIO_ACCOUNT_SID"),
        ({"EMAIL_TRANSPORT": "smtp", "SMTP_URL": None}, "needs SMTP_URL"),
    ],
)
def test_unworkable_settings_are_refused(monkeypatch, overrides, message):
    monkeypatch.delenv("TWILIO_ACCOUNT_SID", raising=False)
    monkeypatch.delenv("SMTP_URL", raising=False)
    with pytest.raises(ConfigError, match=message):
        load_config(overrides)


@pytest.mark.parametrize(
    ("given", "used"),
    [
        (
            "postgres://app:pw@db.internal:5432/replydesk",
            "postgresql+psycopg://app:pw@db.internal:5432/replydesk",
        ),
        (
            "postgresql://app@db.internal/replydesk",
            "postgresql+psycopg://app@db.internal/replydesk",
        ),
        (
            "postgresql+psycopg://app@db.internal/replydesk",
            "postgresql+psycopg://app@db.internal/replydesk",
        ),
        (
            "sqlite:////var/lib/replydesk/replydesk.sqlite3",
            "sqlite:////var/lib/replydesk/replydesk.sqlite3",
        ),
    ],
)
def test_a_postgresql_url_as_hosts_write_it_uses_the_installed_driver(given, used):
    assert load_config({"DATABASE_URL": given})["DATABASE_URL"] == used
