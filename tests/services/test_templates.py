"""bot.services.templates: the placeholder data, the save-time check, deleting safely."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import delete, func, select

from bot.errors import Conflict, DomainError
from bot.models import Customer, NotificationRule, Record, StaffMember, Template
from bot.services.catalogue import create_location
from bot.services.rules import create_rule
from bot.services.templates import create_template, delete_template, template_name_known
from bot.services.texts import (
    PLACEHOLDERS,
    check_source,
    checked_text,
    placeholder_context,
    preview_text,
)
from outbound.policy.rendering import SUPPORTED_LOCALES, default_template, default_template_names
from outbound.policy.vocabulary import Channel


def test_placeholders_are_ursula_and_jane_tomorrow_at_two_R2_3(db, business, now):
    """R2.3: the preview names the customer "Ursula Hoffmann" and the staff member "Jane"."""
    context = placeholder_context(db.session, business, "de", now=now)

    tomorrow = (now.astimezone(ZoneInfo("Europe/Berlin")) + timedelta(days=1)).date()
    assert context["customer"]["name"] == "Ursula Hoffmann"
    assert context["customer"]["first_name"] == "Ursula"
    assert context["staff"] == {"name": "Jane"}
    assert context["service"]["name"] == "Haarschnitt"
    assert context["business"]["name"] == "Salon Sonnenschein"
    assert context["time"] == "14:00"
    assert context["date"] == tomorrow.strftime("%d.%m.%Y")
    assert context["location"]["name"] == PLACEHOLDERS.location_name
    assert [slot["time"] for slot in context["slots"]] == ["10:00", "11:30", "15:00"]


def test_placeholders_show_the_business_s_own_location_and_booking_url(db, business, now):
    business.booking_url = "https://salon.example/buchen"
    create_location(db.session, business, {"name": "Mitte", "address": "Torstraße 1, Berlin"})
    db.session.commit()

    context = placeholder_context(db.session, business, "en", now=now)

    assert context["location"] == {"name": "Mitte", "address": "Torstraße 1, Berlin"}
    assert context["booking_url"] == "https://salon.example/buchen"
    assert context["time"] == "2:00 PM"


def test_placeholder_rows_never_reach_the_database(db, business, now):
    placeholder_context(db.session, business, "de", now=now)
    db.session.commit()

    for model in (Customer, Record, StaffMember):
        assert db.session.scalar(select(func.count()).select_from(model)) == 0


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_every_shipped_text_passes_the_save_check_R3_3(db, business, now, locale):
    """The check must accept every default text, or staff could not save them back."""
    checked = 0
    for name in default_template_names():
        for channel in (Channel.SMS, Channel.EMAIL):
            try:
                text = default_template(name, channel, locale)
            except KeyError:
                continue
            rendered = checked_text(
                db.session,
                business,
                channel=channel,
                locale=locale,
                body=text.body,
                subject=text.subject,
                now=now,
            )
            assert rendered.body, (name, channel)
            checked += 1
    assert checked > 20


@pytest.mark.parametrize(
    ("source", "code", "words"),
    [
        ("Hallo {{ custmer.name }}", "unknown_variable", "'custmer'"),
        # Never rendered, still refused: the variable would fail the day the branch is taken.
        ("{% if staff %}{% else %}{{ stylist }}{% endif %}", "unknown_variable", "'stylist'"),
        ("{{ customer.nickname }}", "template_error", "nickname"),
        ("{{ ''.__class__.__mro__ }}", "template_error", "unsafe"),
        ("{{ cycler.__init__.__globals__ }}", "template_error", "unsafe"),
        ("{{ lipsum.__globals__['os'] }}", "template_error", "unsafe"),
        ("{{ 1 / 0 }}", "template_error", "ZeroDivisionError"),
        ("{{ [].pop() }}", "template_error", "calling .pop() is not available"),
        ("{{ customer }}", "template_error", "{{ customer }} is a group of values"),
        ("{% macro m() %}{% endmacro %}", "template_error", "{% macro %} is not available"),
        ("{{ 9**10000 }}", "template_error", "exponent too large"),
        ("{{ " + "9" * 5000 + " }}", "template_error", "at most 15 digits"),
        ("{% if customer %}unclosed", "template_syntax", "line 1"),
    ],
)
def test_the_check_refuses_what_would_fail_or_escape(db, business, now, source, code, words):
    context = placeholder_context(db.session, business, "de", now=now)

    with pytest.raises(DomainError) as refused:
        check_source(source, "body", context)

    assert refused.value.code == code
    assert refused.value.field == "body"
    assert words in refused.value.message


def test_loop_and_set_variables_are_not_unknown(db, business, now):
    context = placeholder_context(db.session, business, "de", now=now)

    check_source(
        "{% set greeting = 'Hallo' %}{{ greeting }}"
        "{% for slot in slots %}{{ loop.index }}) {{ slot.short }}{% endfor %}",
        "body",
        context,
    )


def test_a_subject_is_checked_on_its_own_field(db, business, now):
    with pytest.raises(DomainError) as refused:
        checked_text(
            db.session,
            business,
            channel=Channel.EMAIL,
            locale="de",
            body="Hallo {{ customer.name }}",
            subject="Termin am {{ datum }}",
            now=now,
        )

    assert (refused.value.field, refused.value.code) == ("subject", "unknown_variable")


def test_an_sms_that_renders_beyond_twilio_s_limit_is_refused(db, business, now):
    with pytest.raises(DomainError) as refused:
        create_template(
            db.session,
            business,
            {"name": "long", "channel": "sms", "locale": "de", "body": "x" * 1601},
            now=now,
        )

    assert refused.value.field == "body"
    assert "1601 characters" in refused.value.message


def test_preview_of_a_curly_quote_names_it_and_suggests_the_gsm_one_R0_8(db, business, now):
    preview = preview_text(
        db.session,
        business,
        channel=Channel.SMS,
        locale="de",
        body="Wir freuen uns auf Sie, {{ customer.first_name }} – bis morgen’s!",
        now=now,
    )

    assert preview.text == "Wir freuen uns auf Sie, Ursula – bis morgen’s!"
    assert preview.encoding == "UCS-2"
    assert preview.non_gsm_characters == ("–", "’")
    assert preview.suggestion == "Wir freuen uns auf Sie, Ursula - bis morgen's!"
    assert preview.segments == 1


def test_a_name_is_known_when_a_row_or_a_default_notice_text_has_it(db, business, now):
    create_template(
        db.session,
        business,
        {"name": "feedback", "channel": "sms", "locale": "de", "body": "Wie war's?"},
        now=now,
    )
    db.session.execute(delete(Template).where(Template.name == "reminder"))

    assert template_name_known(db.session, business, "feedback")
    assert template_name_known(db.session, business, "reminder")  # the shipped default
    assert not template_name_known(db.session, business, "reply_helpful")


def _template(db, business, name, channel="sms", locale="de"):
    return db.session.scalar(
        select(Template).where(
            Template.business_id == business.id,
            Template.name == name,
            Template.channel == channel,
            Template.locale == locale,
        )
    )


def test_the_last_text_of_a_name_a_rule_sends_cannot_be_deleted(db, business, now):
    for locale in ("de", "en"):
        create_template(
            db.session,
            business,
            {"name": "feedback", "channel": "sms", "locale": locale, "body": "Wie war's?"},
            now=now,
        )
    rule = create_rule(
        db.session,
        business,
        {
            "kind": "appointment",
            "trigger": "status_changed_to",
            "trigger_status": "completed",
            "notice": "order_status",
            "template_name": "feedback",
        },
    )
    db.session.commit()

    delete_template(db.session, business, _template(db, business, "feedback", locale="en"))
    with pytest.raises(Conflict) as refused:
        delete_template(db.session, business, _template(db, business, "feedback"))

    assert refused.value.code == "template_in_use"
    assert f"rule {rule.id}" in refused.value.message
    assert _template(db, business, "feedback") is not None


def test_a_default_notice_text_can_go_because_the_shipped_text_remains(db, business):
    rows = db.session.scalars(
        select(Template).where(Template.business_id == business.id, Template.name == "reminder")
    ).all()
    assert db.session.scalar(
        select(func.count(NotificationRule.id)).where(NotificationRule.template_name == "reminder")
    )

    for row in rows:
        delete_template(db.session, business, row)
    db.session.commit()

    assert _template(db, business, "reminder") is None


def test_the_preview_shows_where_the_customer_s_links_stand_R1_11(db, business, now):
    context = placeholder_context(db.session, business, "de", now=now)
    if "cancel_url" not in context:
        pytest.skip("this checkout's message_context has no customer links yet")

    preview = preview_text(
        db.session,
        business,
        channel=Channel.SMS,
        locale="de",
        body="{% if cancel_url %}Absagen: {{ cancel_url }}{% endif %} {{ calendar_url }}",
        now=now,
    )

    assert preview.text == f"Absagen: {PLACEHOLDERS.cancel_url} {PLACEHOLDERS.calendar_url}"


def test_the_preview_marks_where_a_missing_booking_link_stands(db, business, now):
    """R2.2: without a booking link the preview says where the link would be printed, the
    text and its count are what would be sent, and `{% if booking_url %}` behaves as at
    send time; with a link there is no gap."""
    body = "Buchen: {{ booking_url }}!{% if booking_url %} (online){% endif %}"

    missing = preview_text(db.session, business, channel="sms", locale="de", body=body, now=now)
    business.booking_url = "https://salon.example/b"
    linked = preview_text(db.session, business, channel="sms", locale="de", body=body, now=now)

    assert (missing.text, missing.booking_link_gaps) == ("Buchen: !", (8,))
    assert missing.characters == len("Buchen: !")
    assert linked.text == "Buchen: https://salon.example/b! (online)"
    assert linked.booking_link_gaps == ()


def test_saving_and_the_preview_refuse_a_too_long_sms_alike(db, business, now):
    body = "x" * 1601
    with pytest.raises(DomainError) as previewed:
        preview_text(db.session, business, channel="sms", locale="de", body=body, now=now)
    with pytest.raises(DomainError) as saved:
        create_template(
            db.session,
            business,
            {"name": "lang", "channel": "sms", "locale": "de", "body": body},
            now=now,
        )

    assert previewed.value.code == saved.value.code == "sms_too_long"
    assert (
        previewed.value.params
        == saved.value.params
        == {
            "characters": 1601,
            "limit": 1600,
            "segments": 11,
            "encoding": "GSM-7",
        }
    )
