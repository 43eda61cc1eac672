"""The CLI (docs/ARCHITECTURE.md, "Contracts"), run through Flask's test runner."""

import json

from sqlalchemy import func, select
from werkzeug.security import check_password_hash

from bot.models import (
    ApiKey,
    Business,
    Customer,
    NotificationRule,
    Record,
    Template,
    User,
)
from bot.services.businesses import business_for_api_key


def count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_create_business_prints_id_and_a_working_api_key(runner, db):
    result = runner.invoke(
        args=["create-business", "--name", "Studio Noord", "--timezone", "Europe/Amsterdam",
              "--locale", "nl", "--region", "NL", "--sms-from", "+31 20 123 4567"]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    printed = json.loads(result.output)
    business = db.session.get(Business, printed["id"])
    assert business_for_api_key(db.session, printed["api_key"]) is business
    assert business.sms_from == "+31201234567" and business.sms_enabled
    assert count(db, NotificationRule) == 9  # the default rules
    assert count(db, Template) > 0
    # only the key's hash is stored
    assert printed["api_key"] not in {k.key_hash for k in db.session.scalars(select(ApiKey))}


def test_create_business_refuses_an_unknown_time_zone(runner, db):
    result = runner.invoke(args=["create-business", "--name", "X", "--timezone", "Mars/Olympus"])
    assert result.exit_code == 2
    assert "'Mars/Olympus' is not a known time zone" in result.output
    assert count(db, Business) == 0


def test_create_user_hashes_the_password(runner, db, business):
    args = ["create-user", "--business", str(business.id), "--email", "Mira@Salon.example",
            "--password", "correct horse"]  # fmt: skip
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User))
    assert user.email == "mira@salon.example"
    assert check_password_hash(user.password_hash, "correct horse")
    again = runner.invoke(args=args)
    assert again.exit_code == 2 and "exists already" in again.output


def test_create_user_for_a_missing_business_fails_clearly(runner):
    result = runner.invoke(
        args=["create-user", "--business", "99", "--email", "a@b.c", "--password", "long enough"]
    )
    assert result.exit_code == 2 and "business 99 does not exist" in result.output


def test_demo_loads_once_and_tops_up_on_a_second_run(runner, db):
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    counts = [count(db, model) for model in (Business, User, Customer, Record)]
    assert counts[0] == 1 and counts[2] >= 3 and counts[3] == counts[2]
    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0, second.output
    assert [count(db, model) for model in (Business, User, Customer, Record)] == counts
    # each run prints a key that works (the previous one is revoked)
    old, new = json.loads(first.output)["api_key"], json.loads(second.output)["api_key"]
    assert business_for_api_key(db.session, old) is None
    assert business_for_api_key(db.session, new) is not None
    assert json.loads(second.output)["login"] == {
        "email": "demo@replydesk.local",
        "password": "demo-password",
    }


def test_check_templates_lists_stored_texts_the_checks_refuse(runner, db, business):
    assert runner.invoke(args=["check-templates"]).exit_code == 0  # the defaults pass

    stored = db.session.scalars(
        select(Template).where(Template.business_id == business.id, Template.name == "reminder")
    ).first()
    # Saved under the old, looser sandbox: |map is no filter a message text may use.
    stored.body = "Termine: {{ slots|map(attribute='short')|join(', ') }}"
    db.session.commit()

    result = runner.invoke(args=["check-templates", "--business", str(business.id)])

    assert result.exit_code == 1
    [line] = [json.loads(text) for text in result.output.splitlines()]
    assert (line["template_id"], line["field"]) == (stored.id, "body")
    assert "|map" in line["message"]
