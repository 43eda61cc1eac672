"""ReplyDesk's Flask application: `create_app` builds it from the configuration.

Nothing here connects to a database or Redis at import time; the factory
wires extensions, blueprints and CLI commands, and connections open on first
use.
"""

from __future__ import annotations

from typing import Any

from flask import Flask

from bot.config import INSTANCE_DIR, PROJECT_ROOT, load_config


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app: defaults, then the environment, then `config`."""
    settings = load_config(config)
    app = Flask(
        __name__,
        instance_path=str(INSTANCE_DIR),
        template_folder=str(PROJECT_ROOT / "templates" / "web"),
        static_folder=str(PROJECT_ROOT / "bot" / "web" / "static"),
    )
    app.config.update(settings)
    app.config["SQLALCHEMY_DATABASE_URI"] = settings["DATABASE_URL"]
    if settings["DATABASE_URL"].startswith("sqlite"):
        INSTANCE_DIR.mkdir(exist_ok=True)
        app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {"connect_args": {"timeout": 15}})

    from bot import api, cli, webhooks
    from bot.extensions import csrf, db, limiter, login_manager, migrate
    from bot.web import auth, links, simulator

    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"))
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    limiter.init_app(app)  # counters in RATELIMIT_STORAGE_URI; connects on first use

    api.init_app(app)
    app.register_blueprint(webhooks.bp)
    csrf.exempt(webhooks.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(links.bp)  # customer links; its form carries the CSRF token
    if settings["SMS_TRANSPORT"] == "simulator":
        # Fabricated customer texts have no place next to real ones: with real
        # Twilio the simulator is not there at all.
        app.register_blueprint(simulator.bp)
    cli.init_app(app)
    return app
