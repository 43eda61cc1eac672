"""Message texts: the default texts per locale, the sandboxed renderer, and
the variables a text can use.

Default texts live in `templates/messages/<locale>.toml`, one table per
notice. Business templates (rows staff edit) and defaults render through the
bounded sandbox of `outbound.policy.sandbox` with `StrictUndefined`: a template cannot
reach Python internals, cannot run without end, shows only texts and numbers,
and a misspelt variable is an error instead of a silent blank. Pure: no
database, no network.
"""

from __future__ import annotations

import functools
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time
from jinja2 import TemplateError, TemplateSyntaxError

from outbound.policy import sandbox
from outbound.policy.sandbox import MAX_RENDERED_CHARACTERS
from outbound.policy.vocabulary import Channel

SUPPORTED_LOCALES = ("de", "en", "nl")
DEFAULT_LOCALE = "de"
MESSAGES_DIR = Path(__file__).resolve().parents[2] / "templates" / "messages"


class RenderError(ValueError):
    """A template could not be rendered; the message says why, for staff."""


class TextSyntaxError(RenderError):
    """A text is not valid jinja2; `lineno` is the line of the mistake."""

    def __init__(self, message: str, lineno: int | None) -> None:
        super().__init__(message)
        self.message = message
        self.lineno = lineno


@dataclass(frozen=True)
class TextTemplate:
    body: str
    subject: str | None = None
    # A WhatsApp template's placeholder values, each a text of its own ({"1": "{{ time }}"}).
    variables: Mapping[str, str] | None = None


@dataclass(frozen=True)
class RenderedText:
    body: str
    subject: str | None = None
    variables: dict[str, str] | None = None


def resolve_locale(*candidates: str | None) -> str:
    """The first supported locale among `candidates` (e.g. customer's, business's)."""
    for candidate in candidates:
        if candidate:
            language = candidate.replace("-", "_").split("_")[0].lower()
            if language in SUPPORTED_LOCALES:
                return language
    return DEFAULT_LOCALE


@functools.cache
def _default_texts(locale: str) -> dict[str, dict[str, str]]:
    with open(MESSAGES_DIR / f"{locale}.toml", "rb") as handle:
        return tomllib.load(handle)


def default_template(name: str, channel: Channel, locale: str) -> TextTemplate:
    """The shipped text for notice or reply `name` on `channel` in `locale`.

    Raises KeyError when no such text exists.
    """
    texts = _default_texts(resolve_locale(locale))[name]
    if channel == Channel.EMAIL:
        return TextTemplate(body=texts["email_body"].strip("\n"), subject=texts["email_subject"])
    return TextTemplate(body=texts["sms"])


def default_template_names() -> list[str]:
    return list(_default_texts(DEFAULT_LOCALE))


def variables_used(source: str) -> frozenset[str]:
    """The variables `source` reads (not those it sets itself), checking it as
    `render` would. Raises TextSyntaxError for invalid jinja2 and RenderError for
    what message texts cannot do."""
    try:
        return sandbox.variables_used(source)
    except TemplateSyntaxError as error:
        raise TextSyntaxError(error.message or str(error), error.lineno) from error
    except TemplateError as error:
        raise RenderError(f"template error: {error}") from error


def render(template: TextTemplate, context: dict[str, Any]) -> RenderedText:
    """Render `template` with `context` in the bounded sandbox (outbound.policy.sandbox),
    body, subject and WhatsApp variables on one budget. Raises RenderError on
    anything the text causes: a template error, a sandbox refusal, a limit
    reached, or arithmetic gone wrong ({{ 1/0 }})."""
    sources = [template.body, template.subject, *(template.variables or {}).values()]
    try:
        for source in sources:
            if source is not None:
                # Compiling is bounded by the sandbox's checks of the source, and
                # cached; the render budget's clock is for running the text.
                sandbox.compile_text(source)
        with sandbox.budget():
            body = sandbox.render_text(template.body, context).strip()
            subject = None
            if template.subject is not None:
                subject = " ".join(sandbox.render_text(template.subject, context).split())
            variables = None
            if template.variables is not None:
                variables = {
                    key: " ".join(sandbox.render_text(source, context).split())
                    for key, source in template.variables.items()
                }
    except TemplateError as error:
        raise RenderError(f"template error: {error}") from error
    except (ArithmeticError, TypeError, ValueError, LookupError, AttributeError) as error:
        # A staff text can divide by zero or compare a date with a number; that is
        # the text's fault, to be reported, not a crash of the job that sends it.
        raise RenderError(f"template error: {type(error).__name__}: {error}") from error
    except (RecursionError, MemoryError) as error:
        # Behind the sandbox's limits, in case a text still finds a way down.
        raise RenderError("template error: the text is too complex to render") from error
    if len(body) > MAX_RENDERED_CHARACTERS:
        raise RenderError(f"the text renders to more than {MAX_RENDERED_CHARACTERS} characters")
    for key, value in (variables or {}).items():
        if not value:
            # WhatsApp refuses a template whose placeholder has no value.
            raise RenderError(f"the WhatsApp template variable {key} renders empty")
    return RenderedText(body=body, subject=subject, variables=variables)


def time_variables(starts_at: datetime | None, timezone: str, locale: str) -> dict[str, str]:
    """`date`, `time`, `weekday` and `short` ("Fr. 27.11. 15:00") of a start, in the
    business's zone and the reader's locale; empty strings when there is no start."""
    if starts_at is None:
        return {"date": "", "time": "", "weekday": "", "short": ""}
    local = starts_at.astimezone(ZoneInfo(timezone))
    locale = resolve_locale(locale)
    date_format = {"de": "dd.MM.yyyy", "nl": "d MMMM yyyy", "en": "d MMMM yyyy"}[locale]
    short_date = {"de": "EEE dd.MM.", "nl": "EEE d MMM", "en": "EEE d MMM"}[locale]
    time_format = "h:mm a" if locale == "en" else "HH:mm"
    clock = format_time(local, time_format, locale=locale)
    return {
        "date": format_date(local, date_format, locale=locale),
        "time": clock,
        "weekday": format_date(local, "EEEE", locale=locale),
        "short": f"{format_date(local, short_date, locale=locale)} {clock}",
    }


def message_context(
    *,
    business: dict[str, Any],
    customer: dict[str, Any],
    starts_at: datetime | None,
    timezone: str,
    locale: str,
    location: dict[str, Any] | None = None,
    staff: dict[str, Any] | None = None,
    service: dict[str, Any] | None = None,
    status: str = "",
    booking_url: str | None = None,
    new_start: datetime | None = None,
    slots: tuple[datetime, ...] = (),
    appointments: tuple[datetime, ...] = (),
    window_hours: int | None = None,
    cancel_url: str | None = None,
    calendar_url: str | None = None,
) -> dict[str, Any]:
    """Every variable a message text may use; absent parts are None, never missing.

    `date`, `time`, `weekday` and `short` describe `starts_at` (see
    `time_variables`); the bot's replies also use `new` (a time offered or moved
    to), `slots` and `appointments` (numbered lists of times) and
    `window_hours` (the cancellation window). `cancel_url` is the customer's link to
    cancel, set only while they still may (R1.11); `calendar_url` downloads the
    appointment card (.ics)."""
    name = customer.get("name") or ""
    return {
        "business": business,
        "customer": {**customer, "first_name": name.split(" ")[0] if name else ""},
        "location": location,
        "staff": staff,
        "service": service,
        "status": status,
        "booking_url": booking_url,
        **time_variables(starts_at, timezone, locale),
        "new": time_variables(new_start, timezone, locale),
        "slots": [time_variables(slot, timezone, locale) for slot in slots],
        "appointments": [time_variables(start, timezone, locale) for start in appointments],
        "window_hours": window_hours,
        "cancel_url": cancel_url,
        "calendar_url": calendar_url,
    }
