"""Customer links, the pages a customer reaches from a notice without logging in:
`/c/<token>` shows the appointment and, while the cancellation window allows it, cancels it
(R1.11); `/calendar/<token>.ics` serves the appointment card."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import Blueprint, Response, current_app, render_template, url_for
from sqlalchemy.orm import Session

from bot.extensions import db, limiter, minutes_until_retry
from bot.models import (
    AppointmentStatus,
    Business,
    CancelledBy,
    Record,
    RecordKind,
    utcnow,
)
from bot.services.commands import RecordChanges
from bot.services.records import update_record
from outbound.calendar_cards import appointment_card
from outbound.customer_links import record_cancel_blocker
from outbound.policy.calendar import CardMethod, build_ics, card_filename
from outbound.policy.links import LinkPurpose, LinkTarget, make_token, read_token
from outbound.policy.rendering import resolve_locale, time_variables
from outbound.policy.vocabulary import BOOKED_APPOINTMENT_STATUSES

bp = Blueprint("links", __name__)
# One limit per address for all three pages, so nobody can try tokens or cancel in bulk.
limiter.shared_limit(lambda: current_app.config["RATELIMIT_LINKS_PER_ADDRESS"], scope="links")(bp)

# Links carry a bearer token in the path: keep it out of referrers and caches.
_PRIVATE_HEADERS = {"Referrer-Policy": "no-referrer", "Cache-Control": "no-store"}

TEXTS: dict[str, dict[str, str]] = {
    "de": {
        "title": "Ihr Termin",
        "when": "Wann",
        "service": "Leistung",
        "staff": "Bei",
        "where": "Wo",
        "o_clock": " Uhr",
        "open": "Sie können diesen Termin bis {deadline} absagen.",
        "button": "Termin absagen",
        "done": "Ihr Termin ist abgesagt. Schade, dass Sie nicht kommen können.",
        "cancelled": "Dieser Termin ist abgesagt.",
        "changed": (
            "Ihr Termin wurde geändert, seit wir Ihnen diesen Link geschickt haben. "
            "So sieht er jetzt aus. Zum Absagen nutzen Sie bitte den Link aus unserer "
            "neuesten Nachricht."
        ),
        "too_late": "Online absagen ist nur bis {hours} Stunden vor dem Termin möglich.",
        "off": "Dieser Termin kann nicht online abgesagt werden.",
        "closed": "Dieser Termin kann nicht mehr abgesagt werden.",
        "contact": "Bitte wenden Sie sich direkt an {business}.",
        "phone": "Telefon",
        "email": "E-Mail",
        "book": "Neuen Termin buchen",
        "calendar": "In den Kalender übernehmen",
    },
    "en": {
        "title": "Your appointment",
        "when": "When",
        "service": "Service",
        "staff": "With",
        "where": "Where",
        "o_clock": "",
        "open": "You can cancel this appointment until {deadline}.",
        "button": "Cancel this appointment",
        "done": "Your appointment is cancelled. We are sorry you cannot make it.",
        "cancelled": "This appointment is cancelled.",
        "changed": (
            "Your appointment has changed since we sent you this link. This is how it "
            "stands now. To cancel, please use the link in our latest message."
        ),
        "too_late": "Cancelling online is possible until {hours} hours before the appointment.",
        "off": "This appointment cannot be cancelled online.",
        "closed": "This appointment can no longer be cancelled.",
        "contact": "Please contact {business} directly.",
        "phone": "Phone",
        "email": "Email",
        "book": "Book a new appointment",
        "calendar": "Add to calendar",
    },
    "nl": {
        "title": "Uw afspraak",
        "when": "Wanneer",
        "service": "Behandeling",
        "staff": "Bij",
        "where": "Waar",
        "o_clock": " uur",
        "open": "U kunt deze afspraak annuleren tot {deadline}.",
        "button": "Afspraak annuleren",
        "done": "Uw afspraak is geannuleerd. Jammer dat u niet kunt komen.",
        "cancelled": "Deze afspraak is geannuleerd.",
        "changed": (
            "Uw afspraak is gewijzigd sinds we u deze link stuurden. Zo staat hij nu. "
            "Gebruik om te annuleren de link uit ons laatste bericht."
        ),
        "too_late": "Online annuleren kan tot {hours} uur voor de afspraak.",
        "off": "Deze afspraak kan niet online worden geannuleerd.",
        "closed": "Deze afspraak kan niet meer worden geannuleerd.",
        "contact": "Neem direct contact op met {business}.",
        "phone": "Telefoon",
        "email": "E-mail",
        "book": "Nieuwe afspraak maken",
        "calendar": "Toevoegen aan agenda",
    },
}


@bp.get("/c/<token>")
def appointment(token: str):
    """The appointment behind a cancel link, with the cancel button while allowed."""
    now = utcnow()
    found = _find(db.session, token, LinkPurpose.CANCEL, now)
    if found is None:
        return _missing()
    record, business, target = found
    return _page(record, business, _state(record, business, target, now), now)


@bp.post("/c/<token>")
def cancel(token: str):
    """Cancel the appointment as the customer, if the link and the window allow it."""
    now = utcnow()
    found = _find(db.session, token, LinkPurpose.CANCEL, now)
    if found is None:
        return _missing()
    record, business, target = found
    state = _state(record, business, target, now)
    if state != "open":
        return _page(record, business, state, now, status=409)
    update_record(
        db.session,
        business,
        record,
        RecordChanges(status=AppointmentStatus.CANCELLED.value),
        now=now,
        notify=True,  # the cancellation notice is the customer's confirmation
        cancelled_by=CancelledBy.CUSTOMER,
    )
    db.session.commit()
    return _page(record, business, "done", now)


@bp.get("/calendar/<token>.ics")
def calendar(token: str):
    """The appointment card as it stands now, to add to (or update in) a calendar."""
    now = utcnow()
    found = _find(db.session, token, LinkPurpose.CALENDAR, now)
    if found is None:
        return _missing()
    record, business, _ = found
    locale = _locale(record, business)
    card = appointment_card(
        business, record.customer, record, locale, config=current_app.config, now=now
    )
    return Response(
        build_ics(card, method=CardMethod.PUBLISH, now=now),
        mimetype="text/calendar",
        headers={
            "Content-Disposition": f'attachment; filename="{card_filename(locale)}"',
            **_PRIVATE_HEADERS,
        },
    )


def _find(
    session: Session, token: str, purpose: LinkPurpose, now: datetime
) -> tuple[Record, Business, LinkTarget] | None:
    target = read_token(current_app.config["SECRET_KEY"], purpose, token, now=now)
    if target is None:
        return None
    record = session.get(Record, target.record_id)
    if record is None or record.starts_at is None:
        return None
    if purpose == LinkPurpose.CANCEL and record.kind != RecordKind.APPOINTMENT:
        return None
    return record, session.get(Business, record.business_id), target


def _state(record: Record, business: Business, target: LinkTarget, now: datetime) -> str:
    """Which page the link shows: "open" (may cancel), or why not."""
    if record.status == AppointmentStatus.CANCELLED:
        return "cancelled"
    if target.version != record.version:
        # The customer decided on the old time: show the appointment as it is now, cancel
        # nothing, and point to the link in the newest message.
        return "changed"
    if record.status not in BOOKED_APPOINTMENT_STATUSES:
        return "closed"
    if business.cancellation_window_hours is None:
        return "off"
    return "open" if record_cancel_blocker(business, record, now) is None else "too_late"


def _page(record: Record, business: Business, state: str, now: datetime, *, status: int = 200):
    locale = _locale(record, business)
    texts = TEXTS[locale]
    zone = business.timezone
    start = time_variables(record.starts_at, zone, locale)
    hours = business.cancellation_window_hours
    deadline = None
    if hours is not None:
        deadline = time_variables(record.starts_at - timedelta(hours=hours), zone, locale)
    context: dict[str, Any] = {
        "locale": locale,
        "t": texts,
        "state": state,
        "business": business,
        "record": record,
        "start": start,
        "deadline": deadline,
        "message": texts[state].format(
            hours=hours,
            deadline=f"{deadline['weekday']}, {deadline['date']} {deadline['time']}"
            f"{texts['o_clock']}"
            if deadline
            else "",
        ),
        "contact": texts["contact"].format(business=business.name),
        "calendar_url": None,
    }
    if state not in ("done", "cancelled", "closed"):
        token = make_token(
            current_app.config["SECRET_KEY"],
            LinkPurpose.CALENDAR,
            record.id,
            record.version,
            now=now,
        )
        context["calendar_url"] = url_for("links.calendar", token=token)
    return render_template("link_appointment.html", **context), status, _PRIVATE_HEADERS


@bp.errorhandler(429)
def _limited(error):
    page = render_template("link_limited.html", minutes=minutes_until_retry())
    return page, 429, _PRIVATE_HEADERS


# A forged, expired or mistyped token names nobody, so the reader's language is unknown:
# the page speaks all three.
def _missing():
    return render_template("link_missing.html"), 404, _PRIVATE_HEADERS


def _locale(record: Record, business: Business) -> str:
    return resolve_locale(record.customer.locale if record.customer else None, business.locale)
