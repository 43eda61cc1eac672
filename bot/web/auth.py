"""Staff login for the web app: the user loader, /login, /logout, and the start page.

Users are `bot.models.User` rows with a werkzeug password hash (the CLI's
`create-user` writes them the same way). Sessions are Flask-Login's signed
cookie; the login and logout forms carry Flask-WTF's CSRF token. A failed
login says only that the email or password is wrong, and takes as long
whether or not the email exists, so the form does not reveal who has an
account.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from bot.config import DEVELOPMENT_SECRET_KEY
from bot.extensions import db, login_manager
from bot.models import User

bp = Blueprint("auth", __name__)

# Checked against when the email is unknown, so both failures cost the same.
_DUMMY_HASH = generate_password_hash("replydesk-no-such-user")

login_manager.login_message = "Please log in to continue."
login_manager.login_message_category = "info"


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """The logged-in user for a session, or None when the id is stale or deactivated."""
    if not user_id.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    return user if user is not None and user.active else None


def authenticate(email: str, password: str) -> User | None:
    """The active user with this email and password, or None."""
    user = db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    valid = check_password_hash(user.password_hash if user else _DUMMY_HASH, password)
    return user if user is not None and valid and user.active else None


@bp.get("/")
@login_required
def index():
    """The demo starts in the phone simulator; a real deployment on its settings page."""
    if "simulator" in current_app.blueprints:
        return redirect(url_for("simulator.index"))
    return render_template("home.html", business=current_user.business)


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(_safe_next() or url_for("auth.index"))
    email = ""
    status = 200
    if request.method == "POST":
        email = request.form.get("email", "")
        user = authenticate(email, request.form.get("password", ""))
        if user is not None:
            login_user(user, remember=bool(request.form.get("remember")))
            return redirect(_safe_next() or url_for("auth.index"))
        flash("Wrong email or password.", "error")
        status = 401
    insecure_key = current_app.config["SECRET_KEY"] == DEVELOPMENT_SECRET_KEY
    return (
        render_template("login.html", email=email, insecure_key=insecure_key),
        status,
    )


@bp.post("/logout")
def logout():
    logout_user()
    flash("You are logged out.", "info")
    return redirect(url_for("auth.login"))


def _safe_next() -> str | None:
    """The `next` page to return to, only when it is a path on this site."""
    target = request.args.get("next") or request.form.get("next") or ""
    parts = urlsplit(target)
    # Browsers read "//host" and "/\host" as another site.
    if not target.startswith("/") or target[1:2] in ("/", "\\") or parts.scheme or parts.netloc:
        return None
    return target
