"""The Alembic migrations build exactly the schema the models describe, and each
stands alone: none imports the application, so a later change of a model or a
helper cannot change what an old migration does."""

import ast
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect

from bot import create_app
from bot.models import Base


def test_migrations_match_the_models(app_config, tmp_path):
    url = f"sqlite:///{tmp_path / 'migrated.sqlite3'}"
    app = create_app({**app_config, "DATABASE_URL": url})
    with app.app_context():
        upgrade()
    engine = create_engine(url)
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "render_as_batch": True}
        )
        differences = compare_metadata(context, Base.metadata)
    engine.dispose()
    assert differences == []


def test_migrations_go_down_and_up_again(app_config, tmp_path):
    url = f"sqlite:///{tmp_path / 'roundtrip.sqlite3'}"
    app = create_app({**app_config, "DATABASE_URL": url})
    with app.app_context():
        upgrade()
        downgrade(revision="base")
        engine = create_engine(url)
        assert inspect(engine).get_table_names() == ["alembic_version"]
        engine.dispose()
        upgrade()
    engine = create_engine(url)
    assert "notification" in inspect(engine).get_table_names()
    engine.dispose()


# A business row as the first schema holds it, for the tests that migrate data.
ONE_BUSINESS = (
    "INSERT INTO business (id, name, timezone, locale, phone_region, sms_enabled,"
    " sms_confirmation_always, created_at) VALUES (1, 'Salon', 'Europe/Berlin',"
    " 'de', 'DE', 1, 0, '2026-11-25 10:00:00')"
)


def test_migrations_upgrade_a_database_that_holds_data(app_config, tmp_path):
    # SQLite rebuilds altered tables; rows that point at them must survive it.
    from sqlalchemy import text

    url = f"sqlite:///{tmp_path / 'filled.sqlite3'}"
    app = create_app({**app_config, "DATABASE_URL": url})
    with app.app_context():
        upgrade(revision="0001")
        engine = create_engine(url)
        with engine.begin() as connection:
            connection.execute(text(ONE_BUSINESS))
            connection.execute(
                text(
                    "INSERT INTO customer (id, business_id, sms_consent, email_consent,"
                    " created_at) VALUES (1, 1, 1, 0, '2026-11-25 10:00:00')"
                )
            )
            # a WhatsApp opt-out, the only WhatsApp address rows before 0004
            connection.execute(
                text(
                    "INSERT INTO contact_address (business_id, customer_id, kind, value,"
                    " opted_out_at, created_at) VALUES (1, 1, 'whatsapp', '+4915112345678',"
                    " '2026-11-20 10:00:00', '2026-11-19 10:00:00')"
                )
            )
        engine.dispose()
        upgrade()
    engine = create_engine(url)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT business_id FROM customer")).scalar() == 1
        assert connection.execute(text("PRAGMA foreign_key_check")).all() == []
        # 0004: the opted-out number is the customer's WhatsApp number, opt-out and all
        whatsapp = connection.execute(text("SELECT whatsapp FROM customer")).scalar()
        assert whatsapp == "+4915112345678"
    engine.dispose()


def test_default_texts_a_business_never_edited_are_refreshed(app_config, tmp_path):
    from sqlalchemy import text

    from outbound.policy.rendering import default_template
    from outbound.policy.vocabulary import Channel

    old = (
        "{{ business.name }}: Ihr Termin am {{ weekday }}, {{ date }} um {{ time }} Uhr ist "
        "gebucht. Antworten Sie C, um ihn zu bestätigen."
    )
    url = f"sqlite:///{tmp_path / 'texts.sqlite3'}"
    app = create_app({**app_config, "DATABASE_URL": url})
    with app.app_context():
        upgrade(revision="0004")
        engine = create_engine(url)
        with engine.begin() as connection:
            for business_id, body in ((1, old), (2, old + " Bis bald!")):  # 2 edited it
                connection.execute(
                    text(
                        "INSERT INTO business (id, name, timezone, locale, phone_region,"
                        " sms_enabled, sms_confirmation_always, created_at) VALUES (:id, 'S',"
                        " 'Europe/Berlin', 'de', 'DE', 1, 0, '2026-11-25 10:00:00')"
                    ),
                    {"id": business_id},
                )
                connection.execute(
                    text(
                        "INSERT INTO template (business_id, name, channel, locale, body,"
                        " updated_at) VALUES (:id, 'confirmation', 'sms', 'de', :body,"
                        " '2026-11-25 10:00:00')"
                    ),
                    {"id": business_id, "body": body},
                )
        engine.dispose()
        upgrade()
        engine = create_engine(url)
        with engine.connect() as connection:
            bodies = dict(connection.execute(text("SELECT business_id, body FROM template")).all())
        engine.dispose()
        assert bodies == {
            1: default_template("confirmation", Channel.SMS, "de").body,
            2: old + " Bis bald!",
        }
        downgrade(revision="0004")
        engine = create_engine(url)
        with engine.connect() as connection:
            first = connection.execute(text("SELECT body FROM template WHERE business_id = 1"))
            assert first.scalar() == old
        engine.dispose()


def test_locales_stored_before_0007_count_as_set_by_staff(app_config, tmp_path):
    # Before 0007 only staff could give a customer a locale; the bot must not replace those.
    from sqlalchemy import text

    url = f"sqlite:///{tmp_path / 'locales.sqlite3'}"
    app = create_app({**app_config, "DATABASE_URL": url})
    with app.app_context():
        upgrade(revision="0006")
        engine = create_engine(url)
        with engine.begin() as connection:
            connection.execute(text(ONE_BUSINESS))
            for customer_id, locale in ((1, "en"), (2, None)):
                connection.execute(
                    text(
                        "INSERT INTO customer (id, business_id, sms_consent, email_consent,"
                        " locale, created_at) VALUES (:id, 1, 1, 0, :locale,"
                        " '2026-11-25 10:00:00')"
                    ),
                    {"id": customer_id, "locale": locale},
                )
        engine.dispose()
        upgrade()
    engine = create_engine(url)
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT id, locale_set_by_staff FROM customer")).all()
    engine.dispose()
    assert sorted((row[0], bool(row[1])) for row in rows) == [(1, True), (2, False)]


def test_no_migration_imports_the_application():
    versions = Path(__file__).resolve().parents[2] / "migrations" / "versions"
    ours = ("bot", "outbound", "conversations")
    found = []
    for path in sorted(versions.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            found += [f"{path.name}: {n}" for n in names if n.partition(".")[0] in ours]
    assert len(list(versions.glob("*.py"))) >= 7
    assert found == []


def test_0008_moves_a_queued_message_s_hold_from_sent_at_to_next_attempt_at(app_config, tmp_path):
    # Before 0008 a queued message kept its next try in sent_at; a sent one keeps its sent_at.
    from sqlalchemy import text

    held, taken = "2026-12-05 09:00:30", "2026-12-05 08:59:00"
    url = f"sqlite:///{tmp_path / 'holds.sqlite3'}"
    app = create_app({**app_config, "DATABASE_URL": url})
    with app.app_context():
        upgrade(revision="0007")
        engine = create_engine(url)
        with engine.begin() as connection:
            connection.execute(text(ONE_BUSINESS))
            for message_id, status, sent_at in (
                (1, "queued", held),  # waiting for its next try
                (2, "accepted", taken),  # Twilio took it
                (3, "queued", None),  # waiting for its first try
            ):
                connection.execute(
                    text(
                        "INSERT INTO message (id, business_id, direction, channel, from_address,"
                        " to_address, body, segments, status, billable, author, note,"
                        " created_at, sent_at) VALUES (:id, 1, 'outbound', 'sms', '+4930123',"
                        " '+4915112345678', 'Danke!', 1, :status, 0, 'bot', 0,"
                        " '2026-12-05 08:58:00', :sent_at)"
                    ),
                    {"id": message_id, "status": status, "sent_at": sent_at},
                )
        engine.dispose()
        upgrade()
        engine = create_engine(url)
        with engine.connect() as connection:
            upgraded = connection.execute(
                text("SELECT id, sent_at, next_attempt_at FROM message ORDER BY id")
            ).all()
        engine.dispose()
        downgrade(revision="0007")
        engine = create_engine(url)
        with engine.connect() as connection:
            downgraded = connection.execute(text("SELECT id, sent_at FROM message ORDER BY id"))
            downgraded = downgraded.all()
        engine.dispose()
    assert [tuple(row) for row in upgraded] == [(1, None, held), (2, taken, None), (3, None, None)]
    assert [tuple(row) for row in downgraded] == [(1, held), (2, taken), (3, None)]


def test_0010_moves_a_business_s_webhook_url_into_an_endpoint_for_every_event(app_config, tmp_path):
    # The old secret stays the signing key, wrapped in Standard Webhooks' whsec_ form.
    import base64
    import json

    from sqlalchemy import text

    url = f"sqlite:///{tmp_path / 'hooks.sqlite3'}"
    app = create_app({**app_config, "DATABASE_URL": url})
    with app.app_context():
        upgrade(revision="0009")
        engine = create_engine(url)
        with engine.begin() as connection:
            connection.execute(text(ONE_BUSINESS))
            connection.execute(text(ONE_BUSINESS.replace("(1, 'Salon'", "(2, 'Werkstatt'")))
            connection.execute(text(ONE_BUSINESS.replace("(1, 'Salon'", "(3, 'Studio'")))
            connection.execute(
                text(
                    "UPDATE business SET webhook_url = 'https://crm.example/hooks',"
                    " webhook_secret = 'old-key' WHERE id = 1"
                )
            )
            connection.execute(
                text("UPDATE business SET webhook_url = 'https://shop.example/in' WHERE id = 2")
            )
        engine.dispose()
        upgrade()
        engine = create_engine(url)
        with engine.connect() as connection:
            endpoints = connection.execute(
                text("SELECT business_id, url, events, secret, enabled FROM webhook_endpoint")
            ).all()
        engine.dispose()
        downgrade(revision="0009")
        engine = create_engine(url)
        with engine.connect() as connection:
            restored = connection.execute(
                text("SELECT id, webhook_url FROM business ORDER BY id")
            ).all()
        engine.dispose()
    moved = {row[0]: row for row in endpoints}
    assert sorted(moved) == [1, 2]
    assert moved[1][1] == "https://crm.example/hooks"
    assert json.loads(moved[1][2]) == []
    assert moved[1][3] == "whsec_" + base64.b64encode(b"old-key").decode()
    assert moved[2][3].startswith("whsec_") and len(base64.b64decode(moved[2][3][6:])) >= 24
    assert all(row[4] for row in endpoints)
    assert [tuple(row) for row in restored] == [
        (1, "https://crm.example/hooks"),
        (2, "https://shop.example/in"),
        (3, None),
    ]
