"""Default texts and the sandboxed renderer."""

from datetime import UTC, datetime, timedelta

import pytest

from outbound.policy.rendering import (
    SUPPORTED_LOCALES,
    RenderError,
    TextTemplate,
    default_template,
    default_template_names,
    message_context,
    render,
    resolve_locale,
)
from outbound.policy.segments import GSM7, count_segments
from outbound.policy.vocabulary import Channel

START = datetime(2026, 4, 23, 12, 0, tzinfo=UTC)  # 14:00 in Berlin


def context(locale: str) -> dict:
    return message_context(
        business={"name": "Cosmetics Paradise"},
        customer={"name": "Ursula Hoffmann", "phone": "+4915112345678", "email": None},
        starts_at=START,
        timezone="Europe/Berlin",
        locale=locale,
        booking_url="https://paradise.example/book",
        status="ready",
        new_start=START + timedelta(days=1),
        slots=tuple(START + timedelta(days=1, hours=hours) for hours in (0, 1, 3)),
        appointments=(START, START + timedelta(days=7)),
        window_hours=24,
    )


def test_the_change_sms_reads_like_the_seed():  # R1.7's example text
    text = render(default_template("change", Channel.SMS, "de"), context("de")).body
    assert text == (
        "Ihr Termin mit Cosmetics Paradise wurde angepasst. "
        "Er findet am 23.04.2026 um 14:00 Uhr statt."
    )


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
@pytest.mark.parametrize("name", default_template_names())
def test_every_default_sms_fits_one_gsm7_segment(locale, name):
    text = render(default_template(name, Channel.SMS, locale), context(locale)).body
    counted = count_segments(text)
    assert (counted.segments, counted.encoding) == (1, GSM7), text
    # Never ask customers to reply with a carrier keyword; only the help text names
    # STOP, because saying how to stop is what it is for.
    keywords = ("CANCEL", "YES", "QUIT", "END") + (() if name == "reply_help" else ("STOP",))
    for keyword in keywords:
        assert f" {keyword} " not in f" {text.upper()} ".replace(".", " "), text


@pytest.mark.parametrize(
    ("locale", "words"), [("de", "Absagen:"), ("en", "Cancel:"), ("nl", "Annuleren:")]
)
def test_the_confirmation_sms_offers_the_cancel_link_while_there_is_one_R1_11(locale, words):
    link = "https://replydesk.example/c/eyJyIjoxMiwidiI6MX0.aBcD1234"
    template = default_template("confirmation", Channel.SMS, locale)

    with_link = render(template, {**context(locale), "cancel_url": link}).body
    without = render(template, {**context(locale), "cancel_url": None}).body

    assert with_link == f"{without} {words} {link}"
    assert words not in without
    # the link costs a second segment: a business pays it only while customers may cancel
    assert (count_segments(with_link).segments, count_segments(with_link).encoding) == (2, GSM7)
    assert count_segments(without).segments == 1


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_email_texts_have_subject_and_body(locale):
    rendered = render(default_template("confirmation", Channel.EMAIL, locale), context(locale))
    assert "Cosmetics Paradise" in rendered.subject
    assert "Ursula Hoffmann" in rendered.body


def test_times_follow_the_readers_locale():
    assert render(TextTemplate("{{ weekday }} {{ date }} {{ time }}"), context("en")).body == (
        "Thursday 23 April 2026 2:00 PM"
    )
    assert render(TextTemplate("{{ weekday }} {{ date }} {{ time }}"), context("nl")).body == (
        "donderdag 23 april 2026 14:00"
    )


@pytest.mark.parametrize(
    "source",
    [
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ customer.__class__.__init__.__globals__ }}",
        "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
    ],
)
def test_templates_cannot_reach_python_internals(source):
    with pytest.raises(RenderError):
        render(TextTemplate(source), context("de"))


def test_an_unknown_variable_is_an_error_not_a_blank():
    with pytest.raises(RenderError, match="custmer"):
        render(TextTemplate("Hallo {{ custmer.name }}"), context("de"))


def test_locale_resolution_falls_back_to_a_supported_one():
    assert resolve_locale("nl_BE", "de") == "nl"
    assert resolve_locale(None, "en-GB") == "en"
    assert resolve_locale("fr", None) == "de"


@pytest.mark.parametrize(
    "source",
    [
        "{{ 'a' * 10**9 }}",
        "{{ 9 ** 999999 }}",
        "{% for i in range(10**8) %}x{% endfor %}",
        "{{ 1/0 }}",
        "{{ date > 5 }}",
        "{% for i in range(1000) %}{% for j in range(30) %}xx{% endfor %}{% endfor %}",
    ],
)
def test_a_text_cannot_make_the_server_compute_without_end_or_crash_a_job(source):
    with pytest.raises(RenderError):
        render(TextTemplate(source), context("de"))


def test_modest_loops_and_repetition_still_work():
    text = "{% for i in range(3) %}{{ i }}{% endfor %} {{ '-' * 3 }}"
    assert render(TextTemplate(text), context("de")).body == "012 ---"
