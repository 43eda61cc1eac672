"""The shared inbox in the web app: the list of conversations (`/inbox`), one
thread with the customer beside it (`/inbox/<id>`), the canned replies, and
the small JSON feed and HTML fragments the pages poll to stay live.

Views are thin: finding, answering, noting, assigning, snoozing and resolving
go through `bot.services.inbox`, appointment changes through
`bot.services.records.update_record`, offering and accepting only the moves
`bot.services.records.may_become` allows (as the appointments pages do), with a
typed time read by `bot.services.calendar_view.local_to_utc`. Every action is a plain POST form with
a CSRF token that works without JavaScript (`static/inbox.js` only enhances
it). A refusal (opted out, SMS off, WhatsApp window, an empty or over-long
text) is flashed in words and the page is shown again with the typed text
still in its box. Customer text reaches the browser only through Jinja's
autoescaping, and the script inserts fragments the server rendered.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from bot.errors import DomainError, NotFound
from bot.extensions import db
from bot.models import (
    AppointmentStatus,
    Author,
    CannedReply,
    Conversation,
    InboxStatus,
    Message,
    Record,
    utcnow,
)
from bot.models.base import ShortText
from bot.services import inbox
from bot.services.calendar_view import local_to_utc
from bot.services.records import (
    may_become,
    planned_customer_notices,
    upcoming_appointments,
    update_record,
)
from bot.web import inbox_queries
from bot.web.words import (
    ADDRESS_WORDS,
    CHANNEL_WORDS,
    INBOX_STATUS_WORDS,
    NOTICE_WORDS,
    NOTIFICATION_STATUS_WORDS,
    STATUS_WORDS,
    moment_words,
    status_word,
    told_words,
)
from outbound.policy.segments import count_segments
from outbound.policy.vocabulary import Channel

bp = Blueprint("inbox", __name__)

VIEWS = ("open", "mine", "unassigned", "pending", "snoozed", "resolved")
VIEW_NAMES = {
    "open": _l("Open"),
    "mine": _l("Mine"),
    "unassigned": _l("Unassigned"),
    "pending": _l("Pending"),
    "snoozed": _l("Snoozed"),
    "resolved": _l("Resolved"),
}
LIST_LIMIT = 100  # the newest rows shown; search narrows the rest
THREAD_LIMIT = 500
MORNING = time(8, 0)  # when "tomorrow" and "next week" snoozes end, business time
POLL_SECONDS = 4

# A service's Conflict code, in words for staff.
REFUSALS = {
    "opted_out": _l("The customer opted out of this channel. Nothing was sent."),
    "sms_disabled": _l("SMS is switched off for this business. Nothing was sent."),
    "whatsapp_window_closed": _l(
        "WhatsApp takes free text only within 24 hours of the customer's last message. "
        "Nothing was sent."
    ),
    "no_sender": _l("The business has no sender on this channel. Nothing was sent."),
}


# --- the list ------------------------------------------------------------------


@bp.get("/inbox")
@login_required
def index():
    view, q = _view_and_query()
    return render_template("inbox_list.html", poll_seconds=POLL_SECONDS, **_list_context(view, q))


@bp.get("/inbox/fragments/list")
@login_required
def list_fragment():
    """The tabs and rows of the list, for the page's live update."""
    view, q = _view_and_query()
    return render_template("_inbox_rows.html", **_list_context(view, q))


def _view_and_query() -> tuple[str, str]:
    view = request.args.get("view", "open")
    q = request.args.get("q", "").strip()[:200]  # a NUL never gets here (refuse_nul)
    return (view if view in VIEWS else "open"), q


def _list_context(view: str, q: str) -> dict:
    business, user = current_user.business, current_user
    filters = {
        "open": inbox.Filters(status=InboxStatus.OPEN, q=q),
        "mine": inbox.Filters(status=InboxStatus.OPEN, assignee_id=user.id, q=q),
        "unassigned": inbox.Filters(status=InboxStatus.OPEN, unassigned=True, q=q),
        "pending": inbox.Filters(status=InboxStatus.PENDING, q=q),
        "snoozed": inbox.Filters(status=InboxStatus.SNOOZED, q=q),
        "resolved": inbox.Filters(status=InboxStatus.RESOLVED, q=q),
    }[view]
    statement = (
        inbox.conversations_query(business, filters)
        .options(selectinload(Conversation.customer))
        .limit(LIST_LIMIT)
    )
    rows = list(db.session.scalars(statement))
    last = inbox.last_messages(db.session, [c.id for c in rows])
    return {
        "business": business,
        "view": view,
        "q": q,
        "views": [(name, VIEW_NAMES[name]) for name in VIEWS],
        "counts": inbox.inbox_counts(db.session, business, user.id),
        "rows": rows,
        "last": last,
        "limit": LIST_LIMIT,
        "list_fingerprint": inbox_queries.list_fingerprint(db.session, business),
        **_words(),
    }


# --- one thread ----------------------------------------------------------------


@bp.get("/inbox/<id:conversation_id>")
@login_required
def conversation(conversation_id: int):
    found = _own(conversation_id)
    if found.unread_count:
        inbox.mark_read(found)
        db.session.commit()
    return _thread_page(found)


@bp.get("/inbox/<id:conversation_id>/fragments/thread")
@login_required
def thread_fragment(conversation_id: int):
    """The thread's messages and status line, for the page's live update; the open
    page has shown them, so they count as read."""
    found = _own(conversation_id)
    if found.unread_count:
        inbox.mark_read(found)
        db.session.commit()
    return render_template("_inbox_messages.html", **_messages_context(found))


@bp.post("/inbox/<id:conversation_id>/reply")
@login_required
def reply(conversation_id: int):
    found = _own(conversation_id)
    body = request.form.get("body", "")
    try:
        inbox.reply(db.session, current_user.business, found, body, now=utcnow(), user=current_user)
    except DomainError as error:
        return _refused(
            found, error, _body_words(error, body, inbox.BODY_LIMITS[found.channel]), draft=body
        )
    db.session.commit()
    flash(_("Reply queued: it goes out in a moment."), "info")
    return redirect(url_for("inbox.conversation", conversation_id=found.id))


@bp.post("/inbox/<id:conversation_id>/notes")
@login_required
def note(conversation_id: int):
    found = _own(conversation_id)
    body = request.form.get("body", "")
    try:
        inbox.add_note(
            db.session, current_user.business, found, body, now=utcnow(), user=current_user
        )
    except DomainError as error:
        return _refused(found, error, _body_words(error, body, inbox.NOTE_LIMIT), note=body)
    db.session.commit()
    flash(_("Note kept. Only your colleagues see it."), "info")
    return redirect(url_for("inbox.conversation", conversation_id=found.id))


@bp.post("/inbox/<id:conversation_id>/assign")
@login_required
def assign(conversation_id: int):
    found = _own(conversation_id)
    choice = request.form.get("assignee", "")
    if choice == "me":
        assignee = current_user.id
    elif choice in ("", "none"):
        assignee = None
    elif choice.isdigit():
        assignee = int(choice)
    else:
        abort(400)
    try:
        inbox.update_conversation(
            db.session, current_user.business, found, {"assignee_id": assignee}, now=utcnow()
        )
    except DomainError as error:
        return _refused(found, error, _("There is no such colleague."))
    db.session.commit()
    if assignee is None:
        flash(_("Nobody is assigned now."), "info")
    else:
        flash(_("Assigned to %(name)s.", name=_user_name(assignee)), "info")
    return _back(found)


@bp.post("/inbox/<id:conversation_id>/status")
@login_required
def set_status(conversation_id: int):
    """Resolve, reopen, or hand the conversation back to the bot."""
    found = _own(conversation_id)
    status = request.form.get("status", "")
    if status not in (InboxStatus.OPEN, InboxStatus.RESOLVED, InboxStatus.BOT):
        abort(400)
    inbox.update_conversation(
        db.session, current_user.business, found, {"status": status}, now=utcnow()
    )
    db.session.commit()
    flash(
        {
            InboxStatus.OPEN: _("Reopened."),
            InboxStatus.RESOLVED: _("Resolved. The bot reads the customer's next text."),
            InboxStatus.BOT: _("Handed back to the bot."),
        }[InboxStatus(status)],
        "info",
    )
    return _back(found)


@bp.post("/inbox/<id:conversation_id>/snooze")
@login_required
def snooze(conversation_id: int):
    found = _own(conversation_id)
    business = current_user.business
    zone = ZoneInfo(business.timezone)
    choice = request.form.get("until", "")
    now = utcnow()
    if choice == "tomorrow":
        until = snooze_until_tomorrow(now, zone)
    elif choice == "next_week":
        until = snooze_until_next_week(now, zone)
    elif choice == "next_reply":
        until = None
    elif choice == "at":
        until = _local_moment(request.form.get("at", ""), zone)
        if until is None or until is False or until <= now:
            flash(_("Pick a time in the future to snooze until."), "error")
            return _thread_page(found, status=422)
    else:
        abort(400)
    inbox.update_conversation(
        db.session,
        business,
        found,
        {"status": InboxStatus.SNOOZED, "snoozed_until": until},
        now=now,
    )
    db.session.commit()
    if until is None:
        flash(_("Snoozed until the customer's next message."), "info")
    else:
        flash(_("Snoozed until %(when)s.", when=moment_words(until)), "info")
    return _back(found)


@bp.post("/inbox/<id:conversation_id>/appointments/<id:record_id>")
@login_required
def appointment(conversation_id: int, record_id: int):
    """Confirm, move or cancel one of the customer's appointments from beside the thread."""
    found = _own(conversation_id)
    business = current_user.business
    record = db.session.get(Record, record_id)
    if (
        record is None
        or record.business_id != business.id
        or found.customer_id is None
        or record.customer_id != found.customer_id
    ):
        abort(404)
    action = request.form.get("action", "")
    notify = bool(request.form.get("notify"))
    zone = ZoneInfo(business.timezone)
    now = utcnow()
    if action in ("confirm", "cancel"):
        status = AppointmentStatus.CONFIRMED if action == "confirm" else AppointmentStatus.CANCELLED
        if not may_become(record, status):
            # The records page's rule: a cancelled, declined or past appointment is not
            # confirmed (or cancelled) from here; a page left open changes nothing.
            if action == "confirm":
                reason = _(
                    "This appointment is %(status)s and cannot be confirmed now.",
                    status=status_word(record.kind, record.status, {}),
                )
            else:
                reason = _("This record cannot be cancelled now.")
            flash(_("Nothing was changed: %(reason)s", reason=reason), "error")
            return _thread_page(found, status=409)
        changes = {"status": status}
        done = _("Appointment confirmed.") if action == "confirm" else _("Appointment cancelled.")
    elif action == "move":
        starts_at = _local_moment(request.form.get("starts_at", ""), zone)
        if starts_at is False:
            flash(_("This time does not exist on that day: the clocks go forward."), "error")
            return _thread_page(found, status=422)
        if starts_at is None or starts_at <= now:
            flash(_("Pick a new time in the future for the appointment."), "error")
            return _thread_page(found, status=422)
        changes = {"starts_at": starts_at}
        done = _("Appointment moved to %(when)s.", when=moment_words(starts_at))
    else:
        abort(400)
    try:
        update_record(db.session, business, record, changes, now=now, notify=notify)
    except DomainError as error:
        return _refused(
            found, error, _("The appointment was not changed: %(reason)s", reason=error.message)
        )
    told = told_words(notify, planned_customer_notices(record))
    db.session.commit()
    flash(done + " " + told, "info")
    return redirect(url_for("inbox.conversation", conversation_id=found.id))


# --- canned replies ------------------------------------------------------------


@bp.get("/inbox/canned-replies")
@login_required
def canned_replies():
    return _canned_page()


@bp.post("/inbox/canned-replies")
@login_required
def add_canned_reply():
    title = request.form.get("title", "").strip()
    body = request.form.get("body", "").strip()
    problem = None
    if not title or not body:
        problem = _("A canned reply needs a title and a text.")
    elif len(title) > ShortText.length or "\n" in title or "\x00" in title + body:
        problem = _(
            "The title must be one line of at most %(limit)d characters.", limit=ShortText.length
        )
    elif len(body) > inbox.BODY_LIMITS[Channel.SMS]:
        problem = _(
            "The text can have at most %(limit)d characters.", limit=inbox.BODY_LIMITS[Channel.SMS]
        )
    if problem is None:
        db.session.add(CannedReply(business_id=current_user.business.id, title=title, body=body))
        try:
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            problem = _("There is already a canned reply with this title.")
    if problem is not None:
        flash(problem, "error")
        return _canned_page(title=title, body=body, status=422)
    flash(_("Canned reply “%(title)s” added.", title=title), "info")
    return redirect(url_for("inbox.canned_replies"))


@bp.post("/inbox/canned-replies/<id:reply_id>/delete")
@login_required
def delete_canned_reply(reply_id: int):
    row = db.session.get(CannedReply, reply_id)
    if row is None or row.business_id != current_user.business.id:
        abort(404)
    db.session.delete(row)
    db.session.commit()
    flash(_("Canned reply “%(title)s” deleted.", title=row.title), "info")
    return redirect(url_for("inbox.canned_replies"))


def _canned_page(*, title: str = "", body: str = "", status: int = 200):
    return (
        render_template(
            "inbox_canned.html",
            replies=_canned(),
            title=title,
            body=body,
            body_limit=inbox.BODY_LIMITS[Channel.SMS],
            title_limit=ShortText.length,
        ),
        status,
    )


def _canned() -> list[CannedReply]:
    return list(
        db.session.scalars(
            select(CannedReply)
            .where(CannedReply.business_id == current_user.business.id)
            .order_by(func.lower(CannedReply.title))
        )
    )


# --- live updates --------------------------------------------------------------


@bp.get("/inbox/updates")
@login_required
def updates():
    """What changed since the page's cursor: `list` and, with `conversation`, `thread`
    are true when that part should be fetched again. The cursor is the fingerprints
    the page last saw (`bot.web.inbox_queries`); one or two small queries a poll."""
    business = current_user.business
    seen_list, _sep, seen_thread = request.args.get("since", "").partition(".")
    list_now = inbox_queries.list_fingerprint(db.session, business)
    thread_now = ""
    conversation_id = request.args.get("conversation", type=int)
    if conversation_id is not None:
        thread_now = inbox_queries.thread_fingerprint(db.session, _own(conversation_id))
    return jsonify(
        cursor=f"{list_now}.{thread_now}",
        list=list_now != seen_list,
        thread=bool(thread_now) and thread_now != seen_thread,
    )


# --- helpers -------------------------------------------------------------------


def _own(conversation_id: int) -> Conversation:
    try:
        return inbox.get_conversation(db.session, current_user.business, conversation_id)
    except NotFound:
        abort(404)


def _thread_page(found: Conversation, *, draft: str = "", note: str = "", status: int = 200):
    business = current_user.business
    zone = ZoneInfo(business.timezone)
    now = utcnow()
    customer = found.customer
    addresses, appointments, notifications = [], [], []
    if customer is not None:
        addresses = sorted(customer.addresses, key=lambda a: (a.kind, a.value))
        appointments = upcoming_appointments(db.session, business, customer.id, now=now)
        notifications = inbox_queries.customer_notifications(db.session, business, customer.id)
    tomorrow = snooze_until_tomorrow(now, zone)
    next_week = snooze_until_next_week(now, zone)
    context = {
        **_messages_context(found),
        "customer": customer,
        "who": customer.name if customer is not None and customer.name else found.address,
        "addresses": addresses,
        "appointments": appointments,
        "notifications": notifications,
        "colleagues": inbox.colleagues(db.session, business),
        "canned": _canned(),
        "draft": draft,
        "note_draft": note,
        "draft_count": count_segments(draft),
        "body_limit": inbox.BODY_LIMITS[found.channel],
        "note_limit": inbox.NOTE_LIMIT,
        "tomorrow": moment_words(tomorrow),
        "next_week": moment_words(next_week),
        "may_become": may_become,
        "min_local": now.astimezone(zone).strftime("%Y-%m-%dT%H:%M"),
        "poll_seconds": POLL_SECONDS,
        "local_input": lambda moment: moment.astimezone(zone).strftime("%Y-%m-%dT%H:%M"),
    }
    return render_template("inbox_thread.html", **context), status


def _messages_context(found: Conversation) -> dict:
    business = current_user.business
    messages = inbox.thread(db.session, found)[-THREAD_LIMIT:]
    names = inbox_queries.author_names(db.session, messages)
    customer_name = found.customer.name if found.customer and found.customer.name else None
    shown = []
    for message in messages:
        counted = (
            count_segments(message.body)
            if message.channel == Channel.SMS and not message.note
            else None
        )
        shown.append(
            {
                "message": message,
                "who": _who(message, names, customer_name or found.address),
                "time": moment_words(message.created_at),
                "count": counted,
            }
        )
    return {
        "business": business,
        "conversation": found,
        "messages": shown,
        "handover": inbox.handover_words(found.handover_reason),
        "snoozed_until": moment_words(found.snoozed_until) if found.snoozed_until else None,
        "assignee_name": _user_name(found.assignee_id) if found.assignee_id else None,
        "thread_fingerprint": inbox_queries.thread_fingerprint(db.session, found),
        "list_fingerprint": inbox_queries.list_fingerprint(db.session, business),
        **_words(),
    }


def _who(message: Message, names: dict[int, str], customer: str) -> str:
    if message.author == Author.CUSTOMER:
        return customer
    if message.author == Author.BOT:
        return _("Bot")
    if message.author == Author.SYSTEM:
        return _("Notice")
    if message.author_user_id in names:
        return names[message.author_user_id]
    return _("Staff")


def _words() -> dict:
    return {
        "status_words": STATUS_WORDS,
        "inbox_status_words": INBOX_STATUS_WORDS,
        "channel_words": CHANNEL_WORDS,
        "notice_words": NOTICE_WORDS,
        "notification_status_words": NOTIFICATION_STATUS_WORDS,
        "address_words": ADDRESS_WORDS,
        "handover_words": inbox.handover_words,
        "when": moment_words,
        "appointment_status_word": lambda code: status_word("appointment", code, {}),
    }


def _user_name(user_id: int) -> str:
    colleague = next(
        (u for u in inbox.colleagues(db.session, current_user.business) if u.id == user_id), None
    )
    return (colleague.name or colleague.email) if colleague else str(user_id)


def _refused(found: Conversation, error: DomainError, words: str, **drafts):
    """The thread again with the refusal in words and the typed text kept."""
    db.session.rollback()
    flash(words, "error")
    return _thread_page(_own(found.id), status=error.status, **drafts)


def _body_words(error: DomainError, body: str, limit: int) -> str:
    if error.code in REFUSALS:
        return str(REFUSALS[error.code])
    if not body.strip():
        return _("Type a text first.")
    if len(body) > limit:
        return _(
            "The text has %(length)d characters; at most %(limit)d fit. Nothing was sent.",
            length=len(body),
            limit=limit,
        )
    return _("Not accepted: %(reason)s", reason=error.message)


def _back(found: Conversation):
    """Back to the list when the form came from it, else to the thread."""
    target = request.form.get("next", "")
    if target.startswith("/inbox") and not target.startswith("//"):
        return redirect(target)
    return redirect(url_for("inbox.conversation", conversation_id=found.id))


def snooze_until_tomorrow(now: datetime, zone: ZoneInfo) -> datetime:
    """08:00 business time on the day after today (business time)."""
    day = now.astimezone(zone).date() + timedelta(days=1)
    return _at_morning(day, zone)


def snooze_until_next_week(now: datetime, zone: ZoneInfo) -> datetime:
    """08:00 business time on next week's Monday."""
    today = now.astimezone(zone).date()
    return _at_morning(today + timedelta(days=7 - today.weekday()), zone)


def _at_morning(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, MORNING, tzinfo=zone)


def _local_moment(text: str, zone: ZoneInfo) -> datetime | None | bool:
    """A datetime-local field's value read in the business's timezone (as UTC); None when
    it is no date and time, False when the clocks skip it (the records page's rule)."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    try:
        return local_to_utc(moment, zone)
    except DomainError:
        return False
