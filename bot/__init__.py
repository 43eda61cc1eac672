"""ReplyDesk's Flask application: `create_app` builds it from the configuration, wiring the
extensions, blueprints and CLI commands and bounding every request body."""

from __future__ import annotations

from typing import Any

from flask import Flask, request
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.middleware.proxy_fix import ProxyFix

from bot.config import INSTANCE_DIR, PROJECT_ROOT, load_config
from bot.logs import configure_logging


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app: defaults, then the environment, then `config`."""
    settings = load_config(config)
    configure_logging(settings["LOG_FORMAT"], settings["LOG_LEVEL"])  # before the imports log
    from bot.api.json_body import BoundedJSONProvider

    app = Flask(
        __name__,
        instance_path=str(INSTANCE_DIR),
        template_folder=str(PROJECT_ROOT / "templates" / "web"),
        static_folder=str(PROJECT_ROOT / "bot" / "web" / "static"),
    )
    app.json = BoundedJSONProvider(app)  # request.get_json reads with the API's bounds
    app.config.update(settings)
    if settings["TRUSTED_PROXIES"]:
        # The client's address (rate limits) and scheme as the proxies in front saw them; the
        # host and port are never taken from headers (PUBLIC_BASE_URL names the public ones).
        hops = settings["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
    app.before_request(_refuse_oversized_body)
    app.config["SQLALCHEMY_DATABASE_URI"] = settings["DATABASE_URL"]
    if settings["DATABASE_URL"].startswith("sqlite"):
        INSTANCE_DIR.mkdir(exist_ok=True)
        app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {"connect_args": {"timeout": 15}})

    from bot import api, cli, health, webhooks
    from bot.extensions import csrf, db, limiter, login_manager, migrate
    from bot.web import RowIdConverter, auth, inbox, language, links, refuse_nul, simulator, users
    from bot.web import catalogue as catalogue_pages
    from bot.web import customer_privacy as customer_privacy_pages
    from bot.web import customers as customer_pages
    from bot.web import records as records_pages
    from bot.web import rules as rules_pages
    from bot.web import settings as settings_pages
    from bot.web import template_editor as template_editor_pages
    from bot.web import usage as usage_pages
    from bot.web import webhooks_settings as webhook_pages

    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"))
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    language.init_app(app)
    limiter.init_app(app)  # counters in RATELIMIT_STORAGE_URI; connects on first use

    app.url_map.converters["id"] = RowIdConverter  # before the pages' routes use it
    api.init_app(app)
    app.register_blueprint(webhooks.bp)
    app.register_blueprint(health.bp)
    csrf.exempt(webhooks.bp)  # Twilio's signature is the webhooks' authentication
    # The web app's pages: login, inbox, team and account, customer links, and the
    # owner's console (appointments, customers, rules, texts, settings, usage).
    pages = [auth, inbox, users, links, records_pages, customer_pages, customer_privacy_pages]
    pages += [rules_pages]
    pages += [template_editor_pages, settings_pages, webhook_pages, catalogue_pages, usage_pages]
    if settings["SMS_TRANSPORT"] == "simulator":
        # Fabricated customer texts have no place next to real ones: with real
        # Twilio the simulator is not there at all.
        pages.append(simulator)
    for page in pages:
        app.register_blueprint(page.bp)
    page_names = {page.bp.name for page in pages}
    app.before_request(lambda: refuse_nul() if request.blueprint in page_names else None)
    cli.init_app(app)
    return app


def _refuse_oversized_body() -> None:
    """413 before anything else when the declared body is over MAX_CONTENT_LENGTH.

    Werkzeug refuses such a body only when a view reads it; a view that answers
    without reading (a 401, a 404) would leave it on the connection. The server
    closes the connection after this answer (`bot.gunicorn_config`).
    """
    limit = request.max_content_length
    if limit is not None and (request.content_length or 0) > limit:
        raise RequestEntityTooLarge(f"the request body is larger than {limit} bytes")
