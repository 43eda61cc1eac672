"""Who may open which page: `owner_required` guards every owner-only view; staff get a 403
page that says so and leads back, a visitor who is not logged in the login."""

from __future__ import annotations

from functools import wraps

from flask import render_template
from flask_login import current_user, login_required

from bot.models import UserRole


def is_owner(user) -> bool:
    return bool(user and user.is_authenticated and user.role == UserRole.OWNER)


def forbidden():
    """The friendly 403 page for a logged-in user without the right to a page."""
    return render_template("forbidden.html"), 403


def owner_required(view):
    """Let only a logged-in owner through to `view`; staff get the 403 page."""

    @wraps(view)
    @login_required
    def guarded(*args, **kwargs):
        if not is_owner(current_user):
            return forbidden()
        return view(*args, **kwargs)

    return guarded
