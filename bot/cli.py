"""Command-line interface: `flask --app bot <command>` (docs/ARCHITECTURE.md, "Contracts").

`db upgrade` comes from Flask-Migrate. The commands here create a business
(printing its id and first API key as JSON), create a staff login, load the
demo, run one dispatcher pass as of a given instant, and list the stored
message texts today's checks refuse (after an upgrade that tightened them).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import click
from flask import Flask
from werkzeug.security import generate_password_hash

from bot.errors import DomainError
from bot.extensions import db
from bot.models import Business, User, UserRole
from bot.services.businesses import create_business
from bot.services.users import MIN_PASSWORD_LENGTH


def init_app(app: Flask) -> None:
    commands = (
        create_business_command,
        create_user_command,
        demo_command,
        dispatch_command,
        check_templates_command,
    )
    for command in commands:
        app.cli.add_command(command)


@click.command("create-business")
@click.option("--name", required=True, help="The business's name, as customers know it.")
@click.option("--timezone", default="Europe/Berlin", show_default=True)
@click.option("--locale", default="de", show_default=True, help="de, en or nl")
@click.option("--region", default="DE", show_default=True, help="Default phone region (R1.1).")
@click.option("--sms-from", default=None, help="Twilio number to send SMS from (switches SMS on).")
@click.option(
    "--messaging-service-sid", default=None, help="Twilio Messaging Service to send with."
)
def create_business_command(name, timezone, locale, region, sms_from, messaging_service_sid):
    """Create a business with default rules and templates; print its id and API key as JSON."""
    try:
        created = create_business(
            db.session,
            name=name,
            timezone=timezone,
            locale=locale,
            region=region,
            sms_from=sms_from,
            messaging_service_sid=messaging_service_sid,
        )
    except DomainError as error:
        db.session.rollback()
        raise click.BadParameter(error.message, param_hint=f"--{error.field}") from error
    db.session.commit()
    click.echo(json.dumps({"id": created.business.id, "api_key": created.api_key}))


@click.command("create-user")
@click.option("--business", "business_id", required=True, type=int, help="The business id.")
@click.option("--email", required=True)
@click.option("--password", required=True)
@click.option("--name", default=None)
@click.option("--role", type=click.Choice([r.value for r in UserRole]), default="owner")
def create_user_command(business_id, email, password, name, role):
    """Create a staff login for the web app."""
    if db.session.get(Business, business_id) is None:
        raise click.BadParameter(f"business {business_id} does not exist", param_hint="--business")
    email = email.strip().lower()
    if db.session.scalar(db.select(User).where(User.email == email)) is not None:
        raise click.BadParameter(f"a user with {email} exists already", param_hint="--email")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise click.BadParameter(
            f"use at least {MIN_PASSWORD_LENGTH} characters", param_hint="--password"
        )
    user = User(
        business_id=business_id,
        email=email,
        name=name,
        role=UserRole(role),
        password_hash=generate_password_hash(password),
    )
    db.session.add(user)
    db.session.commit()
    click.echo(json.dumps({"id": user.id, "email": user.email}))


@click.command("demo")
def demo_command():
    """Load the demo business, login and data (safe to run again)."""
    from bot.demo import load_demo

    demo = load_demo(db.session, now=datetime.now(UTC))
    db.session.commit()
    click.echo(json.dumps(demo))


@click.command("dispatch")
@click.option(
    "--now",
    "now_text",
    default=None,
    help="ISO 8601 instant to dispatch as of (default: the current time).",
)
def dispatch_command(now_text):
    """Run one dispatcher pass as of NOW, sending what is due in this process."""
    from outbound.jobs import run_dispatch_pass

    now = _parse_instant(now_text) if now_text else datetime.now(UTC)
    summary = run_dispatch_pass(now, send_inline=True)
    click.echo(json.dumps({"now": now.isoformat(), **summary}))


@click.command("check-templates")
@click.option("--business", "business_id", type=int, default=None, help="Only this business.")
def check_templates_command(business_id):
    """List the stored message texts that no longer pass the checks, one JSON line each.

    Exits 1 when there is one: its notices would fail when sent until the
    business mends it (PATCH /api/v1/templates/<id>)."""
    from bot.services.texts import refused_templates

    refused = refused_templates(db.session, now=datetime.now(UTC), business_id=business_id)
    for template, error in refused:
        line = {
            "business_id": template.business_id,
            "template_id": template.id,
            "name": template.name,
            "channel": str(template.channel),
            "locale": template.locale,
            "field": error.field,
            "message": error.message,
        }
        click.echo(json.dumps(line, ensure_ascii=False))
    db.session.rollback()  # checking writes nothing
    if refused:
        raise SystemExit(1)


def _parse_instant(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as error:
        raise click.BadParameter(
            f"{text!r} is not an ISO 8601 instant", param_hint="--now"
        ) from error
    if moment.tzinfo is None:
        raise click.BadParameter(
            "give a UTC offset, e.g. 2026-12-01T09:00:00+01:00", param_hint="--now"
        )
    return moment.astimezone(UTC)
