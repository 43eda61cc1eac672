"""The owner's webhooks page with the Flask test client: adding an endpoint shows its
secret once (not on reload, and no cache keeps the page); a private address is refused
next to the field with the reason and nothing is saved; the events and the switch are
changed; a new secret replaces the old one; deleting goes through its confirmation; the
deliveries page shows a delivery's error as text; another business's endpoint is a 404,
staff get the owners' refusal; and the pages speak German and Dutch. On SQLite and
PostgreSQL."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po
from flask_babel import force_locale
from sqlalchemy import select

from bot.models import UserRole, WebhookDelivery, WebhookEndpoint
from bot.services.commands import WebhookEndpointChanges
from bot.services.webhook_endpoints import create_endpoint
from bot.web.language import TRANSLATIONS
from bot.web.words import WEBHOOK_DELIVERY_STATUS_WORDS, WEBHOOK_EVENT_WORDS
from outbound.policy.vocabulary import WebhookDeliveryStatus
from tests.support.databases import BOTH_DATABASES
from tests.support.web import STAFF_EMAIL, add_user, fresh_clients, log_in

SECRET = re.compile(r'id="new_webhook_secret" value="(whsec_[A-Za-z0-9+/=]+)"')
# A literal public address: checked without a DNS lookup, and never called here.
HOOK_URL = "https://93.184.215.14/hooks/replydesk"
PAGE = "/settings/webhooks"
ROOT = TRANSLATIONS.parents[1]
# The sources of the page's texts, for the language test.
SOURCES = [
    ("python", ROOT / "bot/web/webhooks_settings.py"),
    *(("jinja2", path) for path in sorted((ROOT / "templates/web").glob("*webhook*.html"))),
]

pytestmark = BOTH_DATABASES


@pytest.fixture
def app(app):
    return fresh_clients(app)


@pytest.fixture
def hook(db, business):
    """An endpoint of the salon's, made as the API makes it (a public URL, no lookup)."""

    def make(url=HOOK_URL, **changes) -> WebhookEndpoint:
        endpoint = create_endpoint(
            db.session,
            business,
            WebhookEndpointChanges(url=url, **changes),
            allow_private_urls=True,  # the test's addresses are never called
        )
        db.session.commit()
        return endpoint

    return make


def endpoints(db) -> list[WebhookEndpoint]:
    db.session.expire_all()
    return list(db.session.scalars(select(WebhookEndpoint).order_by(WebhookEndpoint.id)))


def delivery(db, endpoint, now, **columns) -> WebhookDelivery:
    row = WebhookDelivery(
        endpoint_id=endpoint.id,
        event_type="message.received",
        event_id="msg_" + "ab" * 12,
        payload={"type": "message.received"},
        created_at=now,
        **columns,
    )
    db.session.add(row)
    db.session.commit()
    return row


def field_errors(page: str) -> list[str]:
    return [html.unescape(error) for error in re.findall(r'class="field-error">(.*?)<', page)]


def test_a_new_endpoint_shows_its_secret_once(app, db, owner):
    client = log_in(app)
    form = {"url": HOOK_URL, "events": ["message.received", "customer.opted_out"]}
    response = client.post(PAGE, data=form)
    assert response.status_code == 302 and response.location.endswith(PAGE)

    page = client.get(PAGE)
    assert page.headers["Cache-Control"] == "no-store"
    (endpoint,) = endpoints(db)
    assert SECRET.search(page.text).group(1) == endpoint.secret
    assert "webhook-signature" in page.text and "Standard Webhooks" in page.text
    assert endpoint.url == HOOK_URL and endpoint.enabled
    assert endpoint.events == ["message.received", "customer.opted_out"]
    row = page.text[page.text.index(f'id="webhook-{endpoint.id}"') :]
    assert "<code>message.received</code>, <code>customer.opted_out</code>" in row

    reloaded = client.get(PAGE).text
    assert SECRET.search(reloaded) is None and endpoint.secret not in reloaded


def test_no_event_ticked_takes_every_event(app, db, owner):
    client = log_in(app)
    assert client.post(PAGE, data={"url": HOOK_URL}).status_code == 302
    (endpoint,) = endpoints(db)
    assert endpoint.events == []
    assert "all events" in client.get(PAGE).text
    assert "None ticked: every event" in client.get(PAGE).text


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://10.0.0.5/hook", "in a private network or on the server itself"),
        ("ftp://crm.example.com/hook", "starting with http:// or https://"),
        ("", "Enter the address the events go to"),
        ("https://crm.example.com/" + "a" * 500, "at most 500 characters"),
    ],
)
def test_an_address_the_server_may_not_call_is_refused_with_the_reason(app, db, owner, url, reason):
    client = log_in(app)
    response = client.post(PAGE, data={"url": url, "events": ["message.received"]})
    assert response.status_code == 422
    assert any(reason in error for error in field_errors(response.text)), response.text
    assert 'aria-invalid="true"' in response.text
    assert f'value="{url}"' in response.text or not url  # what was typed stays
    assert 'value="message.received" id="event-message-received" checked' in response.text
    assert endpoints(db) == []
    assert SECRET.search(response.text) is None


def test_the_events_are_changed_and_the_endpoint_switched_off(app, db, owner, hook):
    endpoint = hook(events=["message.received"])
    client = log_in(app)
    form = client.get(f"{PAGE}/{endpoint.id}").text
    assert f'value="{HOOK_URL}"' in form
    assert 'value="message.received" id="event-message-received" checked' in form
    assert 'checked id="enabled"' in form

    changed = {"url": HOOK_URL, "events": ["customer.opted_out", "customer.opted_in"]}
    response = client.post(f"{PAGE}/{endpoint.id}", data=changed)  # enabled unticked
    assert response.status_code == 302 and response.location.endswith(PAGE)
    (saved,) = endpoints(db)
    assert saved.events == ["customer.opted_out", "customer.opted_in"] and not saved.enabled
    assert "The webhook is saved." in client.get(PAGE).text
    row = client.get(PAGE).text
    assert re.search(rf'id="webhook-{endpoint.id}".*?<td>off</td>', row, re.S)

    response = client.post(f"{PAGE}/{endpoint.id}", data={"url": HOOK_URL, "enabled": "y"})
    assert response.status_code == 302
    (saved,) = endpoints(db)
    assert saved.events == [] and saved.enabled


def test_changing_to_a_private_address_is_refused_and_keeps_the_old_one(app, db, owner, hook):
    endpoint = hook()
    response = log_in(app).post(
        f"{PAGE}/{endpoint.id}", data={"url": "http://192.168.1.20/hook", "enabled": "y"}
    )
    assert response.status_code == 422
    assert any("private network" in error for error in field_errors(response.text))
    assert endpoints(db)[0].url == HOOK_URL


def test_a_new_secret_replaces_the_old_one_and_is_shown_once(app, db, owner, hook):
    endpoint = hook()
    old = endpoint.secret
    client = log_in(app)
    confirm = client.get(f"{PAGE}/{endpoint.id}/rotate-secret")
    assert confirm.status_code == 200
    assert f'action="{PAGE}/{endpoint.id}/rotate-secret"' in confirm.text
    assert 'name="csrf_token"' in confirm.text
    assert endpoints(db)[0].secret == old  # asking changes nothing

    response = client.post(f"{PAGE}/{endpoint.id}/rotate-secret")
    assert response.status_code == 302 and response.location.endswith(PAGE)
    (rotated,) = endpoints(db)
    assert rotated.secret != old and rotated.secret.startswith("whsec_")
    page = client.get(PAGE)
    assert SECRET.search(page.text).group(1) == rotated.secret
    assert "the old secret verifies none" in page.text and old not in page.text
    assert SECRET.search(client.get(PAGE).text) is None


def test_deleting_goes_through_the_confirmation(app, db, owner, hook, now):
    endpoint = hook()
    delivery(db, endpoint, now)
    client = log_in(app)
    index = client.get(PAGE).text
    assert f'href="{PAGE}/{endpoint.id}/delete"' in index
    confirm = client.get(f"{PAGE}/{endpoint.id}/delete")
    assert confirm.status_code == 200 and HOOK_URL in confirm.text
    assert len(endpoints(db)) == 1

    response = client.post(f"{PAGE}/{endpoint.id}/delete")
    assert response.status_code == 302 and response.location.endswith(PAGE)
    assert endpoints(db) == []
    assert db.session.scalars(select(WebhookDelivery)).all() == []
    assert f"The webhook to {HOOK_URL} is deleted" in client.get(PAGE).text


def test_the_deliveries_show_their_error_as_text_newest_first(app, db, owner, hook, now):
    endpoint = hook()
    delivered = delivery(
        db,
        endpoint,
        now - timedelta(hours=2),
        status=WebhookDeliveryStatus.SUCCEEDED,
        attempts=1,
        last_status_code=204,
        delivered_at=now - timedelta(hours=2),
    )
    refused = delivery(
        db,
        endpoint,
        now - timedelta(hours=1),
        status=WebhookDeliveryStatus.FAILED,
        attempts=10,
        last_status_code=500,
        last_error="answered 500 <script>alert(1)</script>",
    )
    page = log_in(app).get(f"{PAGE}/{endpoint.id}/deliveries").text
    assert "<script>alert(1)</script>" not in page
    assert "answered 500 &lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert page.index(f'id="delivery-{refused.id}"') < page.index(f'id="delivery-{delivered.id}"')
    row = page[page.index(f'id="delivery-{refused.id}"') :]
    assert '<td class="delivery-status">failed</td>' in row
    assert f"<code>{refused.event_id}</code>" in row

    index = log_in(app).get(PAGE).text
    assert "&lt;script&gt;" in index and "<script>alert" not in index
    assert "1 delivered, 0 waiting, 1 failed" in index


def test_the_deliveries_are_paged(app, db, owner, hook, now):
    endpoint = hook()
    for minute in range(51):
        delivery(db, endpoint, now + timedelta(minutes=minute))
    client = log_in(app)
    first = client.get(f"{PAGE}/{endpoint.id}/deliveries").text
    assert first.count('<tr id="delivery-') == 50 and 'id="deliveries-more"' in first
    second = client.get(f"{PAGE}/{endpoint.id}/deliveries?page=2").text
    assert second.count('<tr id="delivery-') == 1 and 'id="deliveries-more"' not in second
    oldest = db.session.scalar(select(WebhookDelivery.id).order_by(WebhookDelivery.id))
    assert f'id="delivery-{oldest}"' in second


def test_another_businesss_endpoint_is_a_404(app, db, owner, business_factory):
    other, _key = business_factory(name="Other Salon", sms_from="+4930555011")
    theirs = create_endpoint(
        db.session, other, WebhookEndpointChanges(url=HOOK_URL), allow_private_urls=True
    )
    db.session.commit()
    client = log_in(app)
    for path in ("", "/rotate-secret", "/delete", "/deliveries"):
        assert client.get(f"{PAGE}/{theirs.id}{path}").status_code == 404, path
    for path in ("", "/rotate-secret", "/delete"):
        response = client.post(f"{PAGE}/{theirs.id}{path}", data={"url": "https://x.example"})
        assert response.status_code == 404, path
    (kept,) = endpoints(db)
    assert (kept.url, kept.secret) == (HOOK_URL, theirs.secret)


def test_staff_get_the_owners_refusal(app, db, business, hook):
    endpoint = hook()
    add_user(db.session, business).role = UserRole.STAFF
    db.session.commit()
    client = log_in(app, STAFF_EMAIL)
    for path in ("", f"/{endpoint.id}", f"/{endpoint.id}/deliveries"):
        assert client.get(PAGE + path).status_code == 403
    assert client.post(PAGE, data={"url": "https://other.example/hook"}).status_code == 403
    assert client.post(f"{PAGE}/{endpoint.id}/delete").status_code == 403
    assert len(endpoints(db)) == 1
    assert 'href="/settings/webhooks"' not in client.get("/inbox").text


def test_the_settings_navigation_and_general_page_lead_to_the_webhooks(app, owner):
    page = log_in(app).get("/settings").text
    nav = page[page.index('class="pill-nav settings-nav"') :]
    assert 'href="/settings/webhooks"' in nav[: nav.index("</nav>")]
    assert 'name="webhook_url"' not in page


def texts_of_the_pages(app) -> list[str]:
    """The English texts of the webhook pages, their placeholders cut out: those of the
    pages' module and templates, and the words they take from `bot.web.words`."""
    with app.test_request_context(), force_locale("en"):
        words = (WEBHOOK_EVENT_WORDS, WEBHOOK_DELIVERY_STATUS_WORDS)
        texts = {str(word) for each in words for word in each.values() if len(str(word)) > 3}
    for method, path in SOURCES:
        for _line, message, _comments, _context in extract_from_file(
            method, path, keywords={"_": None, "_l": None, "gettext": None}
        ):
            texts.update(
                part.strip() for part in re.split(r"%\(\w+\)s", message) if len(part.strip()) > 3
            )
    return sorted(texts)


@pytest.mark.parametrize("language", ["de", "nl"])
def test_the_webhook_pages_have_no_english_left_in_german_and_dutch(
    app, db, owner, hook, now, language
):
    with (TRANSLATIONS / language / "LC_MESSAGES" / "messages.po").open("rb") as source:
        catalogue = read_po(source, locale=language)
    texts = texts_of_the_pages(app)
    assert len(texts) > 40
    own = {message.string for message in catalogue if message.string}
    endpoint = hook(events=["message.received"])
    delivery(db, endpoint, now, status=WebhookDeliveryStatus.PENDING, next_attempt_at=now)
    owner.locale = language
    db.session.commit()
    client = log_in(app)
    assert client.post(PAGE, data={"url": "http://10.0.0.5/hook"}).status_code == 422
    pages = [
        client.post(PAGE, data={"url": "http://10.0.0.5/hook"}).text,
        client.get(f"{PAGE}/{endpoint.id}").text,
        client.get(f"{PAGE}/{endpoint.id}/rotate-secret").text,
        client.get(f"{PAGE}/{endpoint.id}/delete").text,
        client.get(f"{PAGE}/{endpoint.id}/deliveries").text,
    ]
    client.post(f"{PAGE}/{endpoint.id}/rotate-secret")
    pages.append(client.get(PAGE).text)  # with the new secret
    for page in pages:
        shown = html.unescape(re.sub(r"<[^>]+>", "\n", page))
        left = [text for text in texts if text in shown and not any(text in t for t in own)]
        assert left == [], left
