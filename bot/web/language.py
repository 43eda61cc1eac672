"""The web app's language, German, English or Dutch (Flask-Babel): a logged-in user's own
choice, then their business's locale; before login a `?lang=`, else the browser's
Accept-Language, else English."""

from __future__ import annotations

from flask import request
from flask_babel import Babel, get_locale
from flask_login import current_user

from bot.config import PROJECT_ROOT
from bot.web.words import reason_in_words

LANGUAGES = ("de", "en", "nl")
LANGUAGE_NAMES = {"de": "Deutsch", "en": "English", "nl": "Nederlands"}
TRANSLATIONS = PROJECT_ROOT / "bot" / "translations"

babel = Babel()


def select_locale() -> str:
    """The language of this request's page (see the module docstring)."""
    if current_user and current_user.is_authenticated:
        if current_user.locale in LANGUAGES:
            return current_user.locale
        if current_user.business.locale in LANGUAGES:
            return current_user.business.locale
    # The login page's language links (?lang=nl) outrank the browser's wish.
    if request.args.get("lang") in LANGUAGES:
        return request.args["lang"]
    return request.accept_languages.best_match(LANGUAGES) or "en"


def select_timezone() -> str | None:
    """The business's time zone for a logged-in user's dates and times, else UTC."""
    if current_user and current_user.is_authenticated:
        return current_user.business.timezone
    return None


def init_app(app) -> None:
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS))
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    # The page's <html lang>, so screen readers and spell checkers use the right language.
    app.context_processor(lambda: {"page_language": str(get_locale() or "en")})
    # A notice's stored reason, on every page that lists notices (templates/web/_notices.html).
    app.add_template_global(reason_in_words, "reason_words")
