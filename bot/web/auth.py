"""Staff login for the web app: the user loader, /login, /logout, the start page (the inbox)
and the set-up page, with failed logins rate limited per address and per account."""

from __future__ import annotations

import hashlib
import secrets
import unicodedata
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, login_user, logout_user
from itsdangerous import BadData, URLSafeTimedSerializer
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from bot.config import DEVELOPMENT_SECRET_KEY
from bot.extensions import db, limiter, login_manager, minutes_until_retry
from bot.models import User
from bot.safe_values import line_problem
from bot.web.language import LANGUAGE_NAMES

bp = Blueprint("auth", __name__)

# Checked against when the email is unknown, so both failures cost the same.
_DUMMY_HASH = generate_password_hash("replydesk-no-such-user")

# Translated when flashed: the session stores the text, never a lazy string.
login_manager.login_message = _l("Please log in to continue.")
login_manager.localize_callback = str
login_manager.login_message_category = "info"

# The known-device cookie: which accounts this browser has logged in to.
DEVICE_COOKIE = "replydesk_device"
DEVICE_COOKIE_MAX_AGE = 365 * 24 * 3600
DEVICE_ACCOUNTS = 5  # the accounts one browser remembers, newest first


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    """The logged-in user for a session, or None when the id is stale (the user's
    password changed since: `User.get_id`) or the user is deactivated."""
    user_id, _, fingerprint = session_id.partition(".")
    if not user_id.isdigit() or len(user_id) > 18:
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.active or fingerprint != user.password_fingerprint:
        return None
    return user


def authenticate(email: str, password: str) -> User | None:
    """The active user with this email and password, or None."""
    user = None
    # No account's email holds a NUL or a line break (and PostgreSQL cannot
    # compare a NUL): such a text is a wrong email, not a query.
    if line_problem(email) is None:
        user = db.session.scalar(
            select(User).where(func.lower(User.email) == email.strip().lower())
        )
    valid = check_password_hash(user.password_hash if user else _DUMMY_HASH, password)
    return user if user is not None and valid and user.active else None


@bp.get("/")
@login_required
def index():
    """The first page after login is the inbox (the simulator is in the nav)."""
    return redirect(url_for("inbox.index"))


@bp.get("/setup")
@login_required
def setup():
    """How to connect Twilio to a real deployment."""
    return render_template("home.html", business=current_user.business)


def account_digest(email: str) -> str:
    """The account an email names, as a digest: counters and cookies hold no addresses."""
    return hashlib.sha256(email.strip().lower().encode("utf-8", "replace")).hexdigest()[:32]


def _device_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="replydesk.known-device")


def _known_device() -> tuple[str, list[str]] | None:
    """This browser's (device id, accounts) from a valid known-device cookie, else None."""
    raw = request.cookies.get(DEVICE_COOKIE)
    if not raw:
        return None
    try:
        data = _device_serializer().loads(raw, max_age=DEVICE_COOKIE_MAX_AGE)
    except BadData:
        return None
    if not isinstance(data, dict):
        return None
    device, accounts = data.get("d"), data.get("a")
    if not isinstance(device, str) or not isinstance(accounts, list):
        return None
    return device, [account for account in accounts if isinstance(account, str)]


def _tried_account() -> str:
    return account_digest(request.form.get("email", ""))


def _device_knows_account() -> bool:
    """Whether this browser has logged in to the account it is trying now."""
    device = _known_device()
    return device is not None and _tried_account() in device[1]


def _address_key() -> str:
    return "address:" + get_remote_address()


def _account_key() -> str:
    return "account:" + _tried_account()


def _account_client_key() -> str:
    """The account tried from this browser if it knows the account, else from this address."""
    device = _known_device()
    if device is not None and _tried_account() in device[1]:
        return f"account:{_tried_account()}:device:{device[0]}"
    return f"account:{_tried_account()}:address:{get_remote_address()}"


def _address_message() -> str:
    return _("Too many failed login attempts from this address.")


def _account_client_message() -> str:
    if _device_knows_account():
        return _("Too many failed login attempts for this account from this browser.")
    return _("Too many failed login attempts for this account from this address.")


def _account_message() -> str:
    return _(
        "Too many failed login attempts for this account. You can still log in from a "
        "browser you have logged in with before."
    )


def _failed(response) -> bool:
    return response.status_code == 401


def _failed_logins(setting: str, key_func, message, exempt_when=None):
    """A limit on the failed POSTs to /login; the attempt past it is refused before the check."""
    return limiter.limit(
        lambda: current_app.config[setting],
        key_func=key_func,
        methods=["POST"],
        deduct_when=_failed,
        error_message=message,
        exempt_when=exempt_when,
    )


def _remember_device(response, user: User) -> None:
    """Add `user`'s account to this browser's known-device cookie."""
    device = _known_device()
    device_id, accounts = device if device is not None else (secrets.token_urlsafe(16), [])
    account = account_digest(user.email)
    accounts = [account, *(known for known in accounts if known != account)][:DEVICE_ACCOUNTS]
    response.set_cookie(
        DEVICE_COOKIE,
        _device_serializer().dumps({"d": device_id, "a": accounts}),
        max_age=DEVICE_COOKIE_MAX_AGE,
        httponly=True,
        samesite="Lax",
        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")) or request.is_secure,
    )


# Failed logins are limited per address, per account from one address and per account
# from all addresses. Past a limit every attempt is a 429, the right password too, so the
# limit is no password oracle. An attacker must not lock the owner out, so a browser that
# has logged in to the account before (OWASP's device cookies) is exempt from the
# per-address and per-account limits and counted by itself instead.
@bp.route("/login", methods=["GET", "POST"])
@_failed_logins(
    "RATELIMIT_LOGIN_PER_ADDRESS",
    _address_key,
    _address_message,
    exempt_when=_device_knows_account,
)
@_failed_logins(
    "RATELIMIT_LOGIN_PER_ACCOUNT_AND_ADDRESS", _account_client_key, _account_client_message
)
@_failed_logins(
    "RATELIMIT_LOGIN_PER_ACCOUNT",
    _account_key,
    _account_message,
    exempt_when=_device_knows_account,
)
def login():
    if current_user.is_authenticated:
        return redirect(safe_next() or url_for("auth.index"))
    email = ""
    status = 200
    if request.method == "POST":
        email = request.form.get("email", "")
        user = authenticate(email, request.form.get("password", ""))
        if user is not None:
            login_user(user, remember=bool(request.form.get("remember")))
            response = redirect(safe_next() or url_for("auth.index"))
            _remember_device(response, user)
            return response
        flash(_("Wrong email or password."), "error")
        status = 401
    return _login_page(email, status)


@bp.errorhandler(429)
def _too_many_attempts(error):
    minutes = minutes_until_retry()
    retry = ngettext("Try again in %(num)d minute.", "Try again in %(num)d minutes.", minutes)
    flash(f"{error.description} {retry}", "error")
    return _login_page(request.form.get("email", ""), 429)


def _login_page(email: str, status: int):
    insecure_key = current_app.config["SECRET_KEY"] == DEVELOPMENT_SECRET_KEY
    return (
        render_template(
            "login.html", email=email, insecure_key=insecure_key, language_names=LANGUAGE_NAMES
        ),
        status,
    )


@bp.post("/logout")
def logout():
    logout_user()
    flash(_("You are logged out."), "info")
    return redirect(url_for("auth.login"))


def safe_next() -> str | None:
    """The `next` page to return to, only when it is a path on this site (the login's
    and a page's row buttons' way back)."""
    target = request.args.get("next") or request.form.get("next") or ""
    # A control character (a CR or LF above all) cannot go into the Location header.
    if any(unicodedata.category(c) == "Cc" for c in target):
        return None
    parts = urlsplit(target)
    # Browsers read "//host" and "/\host" as another site.
    if not target.startswith("/") or target[1:2] in ("/", "\\") or parts.scheme or parts.netloc:
        return None
    return target
