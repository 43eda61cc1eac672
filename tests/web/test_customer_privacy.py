"""The customer's privacy rights on the owner's console, through the Flask test client: the
customer page offers the owner the JSON download and the erasure (staff neither see nor
reach them), the download holds the customer's own text, shown as text, the erasure asks
once, then erases and leads back to the list with a message, and the words are there in
German and Dutch too."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import select

from bot.models import Customer, Message, User, UserRole
from tests.support.databases import BOTH_DATABASES
from tests.support.web import add_user, fresh_clients, log_in
from tests.support.webhooks import MESSAGES_PATH, inbound_form, sign

STAFF_ONLY_EMAIL = "mira@salon.test"
HOSTILE_TEXT = '<script>alert("hi")</script> Kann ich morgen kommen?'


@pytest.fixture
def app(app):
    return fresh_clients(app)


@pytest.fixture
def ursula(client, customer_factory) -> Customer:
    """A customer whose own text (with markup in it) came in through the real webhook."""
    customer = customer_factory(name="Ursula Hoffmann")
    form = inbound_form(HOSTILE_TEXT, MessageSid="SM" + "1" * 32)
    response = client.post(
        MESSAGES_PATH, data=form, headers={"X-Twilio-Signature": sign(MESSAGES_PATH, form)}
    )
    assert response.status_code == 200
    return customer


def staff_member(db, business) -> User:
    user = add_user(db.session, business, email=STAFF_ONLY_EMAIL)
    user.role = UserRole.STAFF
    user.locale = "en"
    db.session.commit()
    return user


def test_the_owner_sees_the_download_and_the_erase_button(app, owner, ursula):
    html = log_in(app).get(f"/customers/{ursula.id}").get_data(as_text=True)

    assert re.search(rf'href="/customers/{ursula.id}/export"[^>]*id="customer-export"', html)
    assert "Download data (JSON)" in html
    assert re.search(rf'href="/customers/{ursula.id}/erase"[^>]*id="customer-erase"', html)


def test_staff_see_neither_and_are_refused_both(app, db, business, ursula):
    staff_member(db, business)
    client = log_in(app, STAFF_ONLY_EMAIL)

    html = client.get(f"/customers/{ursula.id}").get_data(as_text=True)
    assert "customer-export" not in html and "customer-erase" not in html
    assert client.get(f"/customers/{ursula.id}/export").status_code == 403
    refused = client.post(f"/customers/{ursula.id}/erase", data={"confirmed": "1"})
    assert refused.status_code == 403
    db.session.expire_all()
    assert db.session.get(Customer, ursula.id) is not None


def test_the_download_is_the_customers_data_as_json(app, owner, ursula):
    response = log_in(app).get(f"/customers/{ursula.id}/export")

    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    # A customer's text is data here: no browser may take the download for a page.
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    data = json.loads(response.get_data(as_text=True))
    assert data["customer"]["name"] == "Ursula Hoffmann"
    [conversation] = data["conversations"]
    assert conversation["messages"][0]["body"] == HOSTILE_TEXT


@BOTH_DATABASES
def test_erasing_asks_once_then_erases_and_returns_to_the_list(app, db, owner, ursula):
    client = log_in(app)

    question = client.get(f"/customers/{ursula.id}/erase")
    html = question.get_data(as_text=True)
    assert question.status_code == 200
    assert "Erase Ursula Hoffmann?" in html
    assert re.search(r'<form method="post"[^>]*id="erase-form"', html)
    assert 'name="csrf_token"' in html and 'id="erase-confirm"' in html
    # A post without the confirmation's own field only asks again.
    assert client.post(f"/customers/{ursula.id}/erase", data={}).status_code == 200
    db.session.expire_all()
    assert db.session.get(Customer, ursula.id) is not None

    erased = client.post(f"/customers/{ursula.id}/erase", data={"confirmed": "1"})

    assert erased.status_code == 302
    assert erased.headers["Location"].endswith("/customers")
    listing = client.get("/customers").get_data(as_text=True)
    assert "Ursula Hoffmann is erased" in listing
    assert client.get(f"/customers/{ursula.id}").status_code == 404
    db.session.expire_all()
    assert HOSTILE_TEXT not in db.session.scalars(select(Message.body)).all()


@pytest.mark.parametrize(
    ("locale", "download", "erase"),
    [
        ("de", "Daten herunterladen (JSON)", "Kunde löschen"),
        ("nl", "Gegevens downloaden (JSON)", "Klant wissen"),
    ],
)
def test_the_words_are_translated(app, db, owner, ursula, locale, download, erase):
    owner.locale = locale
    db.session.commit()

    html = log_in(app).get(f"/customers/{ursula.id}").get_data(as_text=True)

    assert download in html and erase in html


def test_a_name_with_markup_is_shown_as_text_when_asked_to_erase(app, owner, customer_factory):
    customer = customer_factory(name='<b onmouseover="x()">Ursula</b>')

    html = log_in(app).get(f"/customers/{customer.id}/erase").get_data(as_text=True)

    assert "Erase &lt;b onmouseover=&#34;x()&#34;&gt;Ursula&lt;/b&gt;?" in html
    assert "<b onmouseover" not in html
