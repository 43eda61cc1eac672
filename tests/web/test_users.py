"""Users and roles: the team page, invitations by email, roles, deactivation, the
owner-only pages refused to staff, and the business never left without an owner."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from bot import create_app
from bot.errors import Conflict
from bot.extensions import db as _db
from bot.models import User, UserRole
from bot.services import users as service
from bot.services.businesses import create_business
from tests.support.settings import PUBLIC_BASE_URL
from tests.support.web import (
    STAFF_EMAIL,
    STAFF_PASSWORD,
    add_user,
    compile_catalogues,
    fresh_clients,
    log_in,
    session_user,
)
from tests.web.browser import chromium
from tests.web.browser import log_in as log_in_page

NEW_EMAIL = "ben@salon.test"
NEW_PASSWORD = "a long enough password"
LINK = re.compile(r"https?://\S+/invite/[A-Za-z0-9_.-]+")
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def app(app):
    return fresh_clients(app)


def new_app(app_config, **settings):
    return fresh_clients(create_app({**app_config, **settings}))


def make_user(db, business, email, *, role=UserRole.STAFF, active=True, name=None) -> User:
    user = User(
        business_id=business.id,
        email=email,
        name=name,
        role=role,
        active=active,
        password_hash=generate_password_hash(STAFF_PASSWORD),
    )
    db.session.add(user)
    db.session.commit()
    return user


def attempt_login(app, email, password) -> int:
    client = app.test_client()
    return client.post("/login", data={"email": email, "password": password}).status_code


def invite(client, email=NEW_EMAIL, name="Ben", role="staff"):
    return client.post("/team/invite", data={"name": name, "email": email, "role": role})


def user_by_email(db, email) -> User | None:
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.email == email))


def link_in(message) -> str:
    text = message.get_body(preferencelist=("plain",)).get_content()
    [link] = LINK.findall(text)
    return link


def path_of(link: str) -> str:
    assert link.startswith(PUBLIC_BASE_URL + "/invite/")
    return link.removeprefix(PUBLIC_BASE_URL)


def accept(client, path, password=NEW_PASSWORD, confirmation=None, locale=""):
    data = {"password": password, "confirmation": confirmation or password, "locale": locale}
    return client.post(path, data=data)


@pytest.fixture
def invited_path(logged_in, smtp_sink):
    """The path of Ben's invitation link, as the email carried it."""
    assert invite(logged_in).status_code == 302
    return path_of(link_in(smtp_sink.messages[-1]))


# --- the invitation, end to end ----------------------------------------------------


def test_an_owner_invites_and_the_invitee_sets_a_password_and_logs_in(
    app, db, business, logged_in, smtp_sink
):
    response = invite(logged_in, email="  Ben@Salon.TEST ", name="Ben Becker")
    assert response.status_code == 302 and response.headers["Location"] == "/team"

    ben = user_by_email(db, NEW_EMAIL)  # stored as one case
    assert ben.role == UserRole.STAFF and ben.name == "Ben Becker"
    assert service.is_invited(ben)
    # No password works before the invitation is accepted.
    assert attempt_login(app, NEW_EMAIL, ben.password_hash) == 401

    [email] = smtp_sink.messages
    assert email["To"] == NEW_EMAIL and email["X-Envelope-To"] == NEW_EMAIL
    assert email["From"] == "ReplyDesk <notices@replydesk.test>"
    # The business speaks German, so does its invitation.
    assert email["Subject"] == "Ihre Einladung zu Salon Sonnenschein bei ReplyDesk"
    link = link_in(email)

    # The owner sees the link once, to pass it on by hand.
    team = logged_in.get("/team").text
    assert link in team and "Die Einladung ist unterwegs an ben@salon.test." in team
    assert link not in logged_in.get("/team").text

    invitee = app.test_client()
    page = invitee.get(path_of(link))
    assert page.status_code == 200
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert NEW_EMAIL in page.text

    response = accept(invitee, path_of(link), locale="en")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    ben = user_by_email(db, NEW_EMAIL)
    assert session_user(invitee) == str(ben.id)
    assert ben.locale == "en" and not service.is_invited(ben)

    invitee.post("/logout")
    assert session_user(log_in(app, NEW_EMAIL, NEW_PASSWORD)) == str(ben.id)


def test_an_invited_owner_becomes_an_owner(app, db, logged_in, smtp_sink):
    assert invite(logged_in, email="carla@salon.test", role="owner").status_code == 302
    path = path_of(link_in(smtp_sink.messages[-1]))
    assert accept(app.test_client(), path).status_code == 302
    carla = log_in(app, "carla@salon.test", NEW_PASSWORD)
    assert carla.get("/team").status_code == 200


def test_a_used_link_is_refused(app, invited_path):
    assert accept(app.test_client(), invited_path).status_code == 302
    again = app.test_client().get(invited_path)
    assert again.status_code == 410
    assert "This invitation has been used already." in again.text
    # Nobody takes over the account with the used link.
    assert accept(app.test_client(), invited_path, "another password!").status_code == 410


def test_a_tampered_link_is_refused(app, invited_path):
    for path in (invited_path[:-2] + "xy", "/invite/nonsense", "/invite/" + "A" * 300):
        response = app.test_client().get(path)
        assert response.status_code == 400, path
        assert "This invitation link is not valid." in response.text


def test_a_link_signed_with_another_key_is_refused(app, db, business):
    ben = service.invite(db.session, business, email=NEW_EMAIL, name="", role=UserRole.STAFF)
    db.session.commit()
    token = service.invitation_token(ben, "another-secret")
    assert app.test_client().get(f"/invite/{token}").status_code == 400


def test_an_expired_link_is_refused(app, db, business, invited_path):
    ben = user_by_email(db, NEW_EMAIL)
    eight_days_ago = datetime.now(UTC) - timedelta(days=8)
    token = service.invitation_token(ben, app.config["SECRET_KEY"], issued_at=eight_days_ago)
    response = app.test_client().get(f"/invite/{token}")
    assert response.status_code == 410
    assert "This invitation has expired." in response.text
    # Six days old still works.
    six_days_ago = datetime.now(UTC) - timedelta(days=6)
    token = service.invitation_token(ben, app.config["SECRET_KEY"], issued_at=six_days_ago)
    assert app.test_client().get(f"/invite/{token}").status_code == 200


def test_sending_again_replaces_the_old_link(app, db, logged_in, smtp_sink, invited_path):
    ben = user_by_email(db, NEW_EMAIL)
    response = logged_in.post(f"/team/{ben.id}/resend")
    assert response.status_code == 302
    assert len(smtp_sink.messages) == 2
    new_path = path_of(link_in(smtp_sink.messages[-1]))
    assert new_path != invited_path

    old = app.test_client().get(invited_path)
    assert old.status_code == 410 and "A newer invitation replaced this one." in old.text
    assert accept(app.test_client(), new_path).status_code == 302


def test_a_withdrawn_invitation_is_refused(app, db, logged_in, invited_path):
    ben = user_by_email(db, NEW_EMAIL)
    assert logged_in.post(f"/team/{ben.id}/deactivate").status_code == 302
    response = app.test_client().get(invited_path)
    assert response.status_code == 410 and "This invitation was withdrawn." in response.text
    # A deactivated user's invitation is not sent again until reactivated.
    assert logged_in.post(f"/team/{ben.id}/resend").status_code == 409


@pytest.mark.parametrize(
    ("password", "confirmation", "message"),
    [
        ("too short", "too short", "Use at least 10 characters."),
        (NEW_PASSWORD, NEW_PASSWORD + "x", "The two passwords differ."),
        ("", "", "Choose a password."),
    ],
)
def test_the_password_must_be_long_and_typed_twice_alike(
    app, db, invited_path, password, confirmation, message
):
    invitee = app.test_client()
    response = accept(invitee, invited_path, password, confirmation)
    assert response.status_code == 422
    assert message in response.text
    assert session_user(invitee) is None
    assert service.is_invited(user_by_email(db, NEW_EMAIL))


def test_without_a_mail_server_the_owner_gets_the_link_to_pass_on(app_config, db, business):
    app = new_app(app_config, EMAIL_TRANSPORT="simulator")
    make_user(db, business, STAFF_EMAIL, role=UserRole.OWNER)
    owner = log_in(app, STAFF_EMAIL)
    assert invite(owner).status_code == 302
    team = owner.get("/team").text
    assert "wurde nicht verschickt" in team  # the business speaks German
    [link] = LINK.findall(team)
    assert app.test_client().get(path_of(link)).status_code == 200


def test_a_mail_server_that_is_down_leaves_the_link_on_the_page(app_config, db, business):
    app = new_app(app_config, SMTP_URL="smtp://127.0.0.1:9?timeout=2")
    make_user(db, business, STAFF_EMAIL, role=UserRole.OWNER)
    owner = log_in(app, STAFF_EMAIL)
    assert invite(owner).status_code == 302
    team = owner.get("/team").text
    assert "127.0.0.1:9" in team and len(LINK.findall(team)) == 1


# --- the team page -----------------------------------------------------------------


def test_the_team_page_lists_the_business_users_only(
    db, business, business_factory, logged_in, invited_path
):
    make_user(db, business, "gone@salon.test", active=False, name="Gone Gustav")
    other, _ = business_factory(name="Other Salon", sms_from="+4930555011")
    make_user(db, other, "stranger@other.test")
    page = logged_in.get("/team").text
    assert STAFF_EMAIL in page and NEW_EMAIL in page and "gone@salon.test" in page
    assert "stranger@other.test" not in page
    # German business: the states in German.
    assert "eingeladen, noch nicht angenommen" in page and "deaktiviert" in page


@pytest.mark.parametrize(
    ("email", "status", "message"),
    [
        ("ANNA@salon.test", 409, "Es gibt schon einen Benutzer mit dieser E-Mail-Adresse."),
        ("not an email", 422, "Geben Sie eine E-Mail-Adresse an"),
        ("Ben <ben@salon.test>", 422, "Geben Sie eine E-Mail-Adresse an"),
        ("ben@salon.test\r\nBcc: x@evil.test", 422, "Geben Sie eine E-Mail-Adresse an"),
        ("", 422, "Geben Sie eine E-Mail-Adresse an."),
    ],
)
def test_an_invitation_needs_one_new_email(db, logged_in, smtp_sink, email, status, message):
    response = invite(logged_in, email=email)
    assert response.status_code == status
    assert message in response.text
    assert smtp_sink.messages == []
    assert db.session.scalar(select(User).where(User.email != STAFF_EMAIL)) is None


def test_a_name_must_be_one_line(db, logged_in, smtp_sink):
    response = invite(logged_in, name="Ben\nBecker")
    assert response.status_code == 422
    assert user_by_email(db, NEW_EMAIL) is None


def test_an_owner_changes_roles_and_deactivates_and_reactivates(app, db, business, logged_in):
    ben = make_user(db, business, NEW_EMAIL)
    ben_client = log_in(app, NEW_EMAIL)

    assert logged_in.post(f"/team/{ben.id}/role", data={"role": "owner"}).status_code == 302
    assert user_by_email(db, NEW_EMAIL).role == UserRole.OWNER
    assert ben_client.get("/team").status_code == 200  # the next request knows it
    assert logged_in.post(f"/team/{ben.id}/role", data={"role": "staff"}).status_code == 302
    assert ben_client.get("/team").status_code == 403

    assert logged_in.post(f"/team/{ben.id}/deactivate").status_code == 302
    assert not user_by_email(db, NEW_EMAIL).active
    # His open session ends with the deactivation.
    assert ben_client.get("/account").headers["Location"].startswith("/login")
    assert attempt_login(app, NEW_EMAIL, STAFF_PASSWORD) == 401

    assert logged_in.post(f"/team/{ben.id}/reactivate").status_code == 302
    assert session_user(log_in(app, NEW_EMAIL)) == str(ben.id)


def test_an_unknown_role_is_refused(db, business, logged_in):
    ben = make_user(db, business, NEW_EMAIL)
    response = logged_in.post(f"/team/{ben.id}/role", data={"role": "admin"})
    assert response.status_code == 422
    assert user_by_email(db, NEW_EMAIL).role == UserRole.STAFF


def test_an_owner_can_neither_deactivate_nor_demote_themselves(db, staff, logged_in):
    response = logged_in.post(f"/team/{staff.id}/deactivate")
    assert response.status_code == 409
    assert "Sie können sich nicht selbst deaktivieren." in response.text
    response = logged_in.post(f"/team/{staff.id}/role", data={"role": "staff"})
    assert response.status_code == 409
    owner = user_by_email(db, STAFF_EMAIL)
    assert owner.active and owner.role == UserRole.OWNER


def test_the_last_owner_is_never_demoted_or_deactivated(app, db, business, staff):
    # Through the pages an owner always acts on someone else, so a second owner
    # exists; the rule itself holds for whoever acts (a concurrent change, a script).
    with app.test_request_context():  # the refusals speak the request's language
        assert_the_last_owner_stays(db, business, staff)


def assert_the_last_owner_stays(db, business, staff):
    ben = make_user(db, business, NEW_EMAIL)
    with pytest.raises(Conflict):
        service.set_role(db.session, ben, staff, UserRole.STAFF)
    with pytest.raises(Conflict):
        service.set_active(db.session, ben, staff, False)
    # An invited owner who has not accepted does not count as a second owner.
    carla = service.invite(
        db.session, business, email="carla@salon.test", name="", role=UserRole.OWNER
    )
    with pytest.raises(Conflict):
        service.set_role(db.session, carla, staff, UserRole.STAFF)
    # A real second owner does.
    carla.password_hash = generate_password_hash(NEW_PASSWORD)
    service.set_role(db.session, carla, staff, UserRole.STAFF)
    assert staff.role == UserRole.STAFF
    db.session.rollback()


def test_two_owners_keep_one_when_one_demotes_the_other(app, db, business, staff, logged_in):
    ben = make_user(db, business, NEW_EMAIL, role=UserRole.OWNER)
    ben_client = log_in(app, NEW_EMAIL)
    assert ben_client.post(f"/team/{staff.id}/role", data={"role": "staff"}).status_code == 302
    # Anna is staff now: she can no longer demote Ben, the last owner.
    assert logged_in.post(f"/team/{ben.id}/role", data={"role": "staff"}).status_code == 403
    assert service.active_owners(db.session, business.id) == 1
    assert user_by_email(db, NEW_EMAIL).role == UserRole.OWNER


def test_another_business_user_is_not_found(db, business_factory, logged_in):
    other, _ = business_factory(name="Other Salon", sms_from="+4930555011")
    stranger = make_user(db, other, "stranger@other.test", role=UserRole.OWNER)
    for action in ("deactivate", "reactivate", "resend"):
        assert logged_in.post(f"/team/{stranger.id}/{action}").status_code == 404
    response = logged_in.post(f"/team/{stranger.id}/role", data={"role": "staff"})
    assert response.status_code == 404
    assert user_by_email(db, "stranger@other.test").role == UserRole.OWNER


# --- staff and visitors ----------------------------------------------------------


OWNER_ACTIONS = [
    ("get", "/team/", {}),
    ("post", "/team/invite", {"email": "eve@salon.test", "role": "owner"}),
    ("post", "/team/{id}/role", {"role": "staff"}),
    ("post", "/team/{id}/deactivate", {}),
    ("post", "/team/{id}/reactivate", {}),
    ("post", "/team/{id}/resend", {}),
]


@pytest.mark.parametrize(("method", "path", "data"), OWNER_ACTIONS)
def test_staff_get_a_friendly_403_for_every_owner_action(
    app, db, business, staff, smtp_sink, method, path, data
):
    make_user(db, business, NEW_EMAIL, role=UserRole.STAFF)
    ben = log_in(app, NEW_EMAIL)
    url = path.format(id=staff.id).rstrip("/")
    response = getattr(ben, method)(url, data=data)
    assert response.status_code == 403
    assert "Nur für Inhaber" in response.text  # the German business's page, not an error
    owner = user_by_email(db, STAFF_EMAIL)
    assert owner.active and owner.role == UserRole.OWNER
    assert user_by_email(db, "eve@salon.test") is None and smtp_sink.messages == []


def test_staff_see_no_team_link(app, db, business):
    make_user(db, business, NEW_EMAIL)
    page = log_in(app, NEW_EMAIL).get("/account").text
    assert 'href="/team"' not in page and 'href="/settings"' not in page
    assert 'href="/account"' in page


def test_owners_reach_the_team_from_the_settings(logged_in):
    assert 'href="/settings"' in logged_in.get("/account").text
    assert 'href="/team"' in logged_in.get("/settings").text


@pytest.mark.parametrize("path", ["/team", "/account"])
def test_a_visitor_is_sent_to_the_login(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_a_visitor_cannot_invite(client, db, smtp_sink):
    assert invite(client).status_code == 302
    assert user_by_email(db, NEW_EMAIL) is None and smtp_sink.messages == []


# --- CSRF ----------------------------------------------------------------------------


@pytest.fixture
def csrf_app(app_config, db, staff):
    return new_app(app_config, WTF_CSRF_ENABLED=True)


def csrf_token_of(page: str) -> str:
    match = CSRF_FIELD.search(page)
    assert match, "no CSRF field on the page"
    return match.group(1)


def csrf_log_in(app):
    client = app.test_client()
    token = csrf_token_of(client.get("/login").text)
    response = client.post(
        "/login", data={"email": STAFF_EMAIL, "password": STAFF_PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302
    return client


def test_a_form_without_the_csrf_token_is_refused(csrf_app, db, smtp_sink):
    owner = csrf_log_in(csrf_app)
    assert invite(owner).status_code == 400
    assert user_by_email(db, NEW_EMAIL) is None

    token = csrf_token_of(owner.get("/team").text)
    response = owner.post(
        "/team/invite", data={"email": NEW_EMAIL, "role": "staff", "csrf_token": token}
    )
    assert response.status_code == 302
    assert user_by_email(db, NEW_EMAIL) is not None


def test_every_team_and_account_form_carries_the_csrf_token(csrf_app, db, business):
    make_user(db, business, NEW_EMAIL)
    owner = csrf_log_in(csrf_app)
    team = owner.get("/team").text
    account = owner.get("/account").text
    for page in (team, account):
        forms = page.count("<form")
        assert forms >= 2 and page.count('name="csrf_token"') == forms


def test_accepting_without_the_csrf_token_is_refused(csrf_app, db, smtp_sink):
    owner = csrf_log_in(csrf_app)
    token = csrf_token_of(owner.get("/team").text)
    owner.post("/team/invite", data={"email": NEW_EMAIL, "role": "staff", "csrf_token": token})
    path = path_of(link_in(smtp_sink.messages[-1]))
    invitee = csrf_app.test_client()
    assert accept(invitee, path).status_code == 400
    assert service.is_invited(user_by_email(db, NEW_EMAIL))
    token = csrf_token_of(invitee.get(path).text)
    response = invitee.post(
        path, data={"password": NEW_PASSWORD, "confirmation": NEW_PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302


# --- in the browser ------------------------------------------------------------------


@pytest.mark.browser
def test_an_invitation_in_the_browser(live_app):
    """The owner invites from Team, passes the shown link on (no mail server in the
    demo), and the invitee sets a password and Dutch, lands in the app as staff."""
    compile_catalogues()
    with live_app.app_context():
        business = create_business(_db.session, name="Salon Sonnenschein").business
        add_user(_db.session, business)  # Anna, the owner
        _db.session.remove()
    base = live_app.config["PUBLIC_BASE_URL"]
    with chromium() as browser:
        owner = browser.new_context(locale="en-US").new_page()
        log_in_page(owner, base)
        owner.get_by_role("link", name="Einstellungen").click()
        owner.get_by_role("link", name="Team").click()
        # The salon speaks German, so does its team page.
        expect(owner.locator("h1")).to_have_text("Team von Salon Sonnenschein")
        owner.get_by_label("Name").fill("Ben Becker")
        owner.get_by_label("E-Mail").fill(NEW_EMAIL)
        owner.get_by_role("button", name="Einladen").click()
        expect(owner.locator("#user-2")).to_contain_text("eingeladen, noch nicht angenommen")
        link = owner.locator(".invitation-link input").input_value()
        assert link.startswith(base + "/invite/")
        owner.screenshot(path="/tmp/team.png", full_page=True)

        invitee = browser.new_context(locale="en-US").new_page()
        invitee.goto(link)
        expect(invitee.locator("h1")).to_have_text("Join Salon Sonnenschein")
        invitee.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
        invitee.get_by_label("The new password again").fill(NEW_PASSWORD)
        invitee.get_by_label("Language").select_option("nl")
        invitee.get_by_role("button", name="Save and log in").click()
        expect(invitee).to_have_url(re.compile(r"/inbox$"))  # the first page after login
        expect(invitee.locator("html")).to_have_attribute("lang", "nl")
        expect(invitee.get_by_role("button", name="Uitloggen")).to_be_visible()
        expect(invitee.get_by_role("link", name="Team")).to_have_count(0)  # staff
        invitee.goto(base + "/team")
        expect(invitee.locator("h1")).to_have_text("Alleen voor eigenaren")

        owner.reload()
        expect(owner.locator("#user-2")).to_contain_text("aktiv")
        expect(owner.locator(".invitation-link")).to_have_count(0)  # shown once
