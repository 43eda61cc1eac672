"""The template editor at /templates with the Flask test client: the list, editing the
confirmation text and seeing it stored and previewed, sandbox refusals under the field
with the typed text kept, the preview's SMS count and encoding, the no-script Preview
button, and who may see none of it (staff, visitors, another business)."""

from __future__ import annotations

import re
from html import unescape

import pytest
from sqlalchemy import select

from bot import create_app
from bot.models import Template, UserRole
from bot.services.texts import preview_text
from outbound.policy.segments import count_segments
from tests.support.web import STAFF_PASSWORD, add_user, fresh_clients, log_in

CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')
ESCAPE = "Hallo {{ ''.__class__ }}"
PLAIN = "Hallo {{ customer.first_name }}, bis {{ weekday }} um {{ time }} Uhr!"


@pytest.fixture
def app(app):
    return fresh_clients(app)


@pytest.fixture
def client_(app, owner):
    return log_in(app, owner.email)


def assert_invalid(html: str, element_id: str) -> None:
    """The input, select or textarea `element_id` is marked invalid."""
    tag = re.search(rf'<(?:input|select|textarea)[^>]*id="{element_id}"[^>]*>', html)
    assert tag and 'aria-invalid="true"' in tag.group(0)


def csrf_of(client, path: str = "/templates/new") -> str:
    page = client.get(path)
    assert page.status_code == 200
    return CSRF_FIELD.search(page.text).group(1)


def textarea(html: str) -> str:
    found = re.search(r'<textarea[^>]*id="template-body"[^>]*>(.*?)</textarea>', html, re.S)
    assert found, "the body textarea is on the page"
    return unescape(found.group(1)).lstrip("\r\n")


def confirmation(db, business, channel: str = "sms", locale: str = "de") -> Template | None:
    db.session.expire_all()
    return db.session.scalar(
        select(Template).where(
            Template.business_id == business.id,
            Template.name == "confirmation",
            Template.channel == channel,
            Template.locale == locale,
        )
    )


def test_the_list_groups_the_texts_by_notice_and_language(client_, db, business):
    seeded = confirmation(db, business)  # a new business has every shipped text as its own
    page = client_.get("/templates")
    assert page.status_code == 200
    assert "booking confirmation" in page.text and "The bot&#39;s replies" in page.text
    assert f'id="edit-confirmation-sms-de" href="/templates/{seeded.id}"' in page.text
    assert "reply_confirmed" in page.text
    assert "Ihr Termin" in page.text and "your appointment" not in page.text
    english = client_.get("/templates?locale=en")
    assert "your appointment" in english.text and "Ihr Termin" not in english.text


def test_edit_the_confirmation_text_and_see_it_stored_and_previewed(client_, db, business):
    stored = confirmation(db, business)
    # The notice's editor is also reachable by name; it opens the stored text.
    opened = client_.get("/templates/new?name=confirmation&channel=sms")
    assert opened.status_code == 302 and opened.headers["Location"].endswith(f"/{stored.id}")
    page = client_.get(f"/templates/{stored.id}")
    assert page.status_code == 200
    assert textarea(page.text) == stored.body
    assert 'id="preview-encoding"' in page.text and "Salon Sonnenschein:" in page.text
    token = CSRF_FIELD.search(page.text).group(1)

    changed = "Bis {{ weekday }}, {{ customer.first_name }}! Buchen: {{ booking_url }}"
    response = client_.post(f"/templates/{stored.id}", data={"csrf_token": token, "body": changed})
    assert response.status_code == 302
    assert confirmation(db, business).body == changed
    shown = client_.get(f"/templates/{stored.id}")
    assert textarea(shown.text) == changed
    assert "Ursula!" in shown.text  # rendered with the placeholder customer
    assert "your wording" in client_.get("/templates").text
    preview = client_.post(
        "/templates/preview", data={"csrf_token": token, "template_id": stored.id, "body": changed}
    )
    assert preview.status_code == 200
    assert re.search(r"Bis \w+, Ursula!", preview.text)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (ESCAPE, "This text cannot be rendered: it asks for something message texts cannot do"),
        ("Hallo {{ customer.nickname }} {{ nope }}", "There is no variable {{ nope }}"),
        ("Hallo {{ customer.first_name", "Line 1 has a mistake in its {{ }} or {% %} marks"),
    ],
)
def test_a_text_the_sandbox_refuses_is_refused_next_to_the_field(
    client_, db, business, body, reason
):
    stored = confirmation(db, business)
    before = stored.body
    token = csrf_of(client_, f"/templates/{stored.id}")
    response = client_.post(f"/templates/{stored.id}", data={"csrf_token": token, "body": body})
    assert response.status_code == 422
    assert textarea(response.text) == body  # what was typed is kept
    errors = re.search(r'<span id="body-errors">(.*?)</span>\s*<span', response.text, re.S)
    assert errors and reason in unescape(errors.group(1))
    assert_invalid(response.text, "template-body")
    assert confirmation(db, business).body == before

    # A new text is refused the same way, and the live preview says so too.
    form = {"csrf_token": token, "name": "feedback", "channel": "sms", "locale": "de"}
    created = client_.post("/templates/new", data={**form, "body": body})
    assert created.status_code == 422 and textarea(created.text) == body
    preview = client_.post("/templates/preview", data={**form, "body": body})
    assert preview.status_code == 422
    assert 'data-refused-field="body"' in preview.text and reason in unescape(preview.text)


def test_a_new_text_is_created_and_a_duplicate_refused_at_its_name(client_, db, business):
    token = csrf_of(client_)
    form = {"csrf_token": token, "channel": "sms", "locale": "de", "body": PLAIN}
    created = client_.post("/templates/new", data={**form, "name": "feedback"})
    assert created.status_code == 302
    stored = db.session.scalar(select(Template).where(Template.name == "feedback"))
    assert stored.body == PLAIN and created.headers["Location"].endswith(f"/{stored.id}")
    duplicate = client_.post("/templates/new", data={**form, "name": "confirmation"})
    assert duplicate.status_code == 422
    assert_invalid(duplicate.text, "template-name")
    assert "There is already a text" in duplicate.text and textarea(duplicate.text) == PLAIN


def test_an_email_text_needs_its_subject_and_previews_it(client_, db, business):
    stored = confirmation(db, business, "email")
    token = csrf_of(client_, f"/templates/{stored.id}")
    refused = client_.post(
        f"/templates/{stored.id}", data={"csrf_token": token, "subject": "", "body": PLAIN}
    )
    assert refused.status_code == 422
    assert "An email needs a subject." in refused.text
    assert_invalid(refused.text, "template-subject")
    preview = client_.post(
        "/templates/preview",
        data={
            "csrf_token": token,
            "template_id": stored.id,
            "subject": "Termin bei {{ business.name }}",
            "body": PLAIN,
        },
    )
    assert preview.status_code == 200
    assert 'id="preview-subject">Termin bei Salon Sonnenschein<' in preview.text
    assert 'id="preview-encoding"' not in preview.text  # email is not counted in SMS parts


def preview_numbers(response) -> tuple[int, str]:
    segments = re.search(r'id="preview-segments">(\d+)<', response.text)
    encoding = re.search(r'id="preview-encoding"[^>]*>([^<]+)<', response.text)
    assert segments and encoding
    return int(segments.group(1)), encoding.group(1)


def test_the_preview_counts_segments_and_names_the_encoding(client_, db, business, now):
    token = csrf_of(client_)
    form = {"csrf_token": token, "channel": "sms", "locale": "de"}
    plain = client_.post("/templates/preview", data={**form, "body": PLAIN})
    assert plain.status_code == 200
    assert preview_numbers(plain) == (1, "GSM-7")
    assert "<mark" not in plain.text

    emoji = PLAIN + " Wir freuen uns 😊 " + "x" * 40
    counted = client_.post("/templates/preview", data={**form, "body": emoji})
    assert counted.status_code == 200
    segments, encoding = preview_numbers(counted)
    assert encoding == "UCS-2" and segments == 2
    assert '<mark class="ucs2"' in counted.text and ">😊</mark>" in counted.text
    # The count is the rendered text's, as the sender's own counter makes it.
    rendered = preview_text(db.session, business, channel="sms", locale="de", body=emoji, now=now)
    assert count_segments(rendered.text).segments == segments

    quotes = client_.post("/templates/preview", data={**form, "body": "Bis bald – Ihr Team’s"})
    assert preview_numbers(quotes) == (1, "UCS-2")
    suggestion = re.search(r'id="preview-suggestion">([^<]+)<', quotes.text)
    assert suggestion and unescape(suggestion.group(1)) == "Bis bald - Ihr Team's"
    assert 'data-use-suggestion="Bis bald - Ihr Team&#39;s"' in quotes.text


def test_the_preview_button_works_without_javascript(client_, db, business):
    stored = confirmation(db, business)
    before = stored.body
    token = csrf_of(client_, f"/templates/{stored.id}")
    emoji = "Bis morgen 😊"
    response = client_.post(
        f"/templates/{stored.id}", data={"csrf_token": token, "body": emoji, "preview": "1"}
    )
    assert response.status_code == 200
    assert textarea(response.text) == emoji
    assert preview_numbers(response) == (1, "UCS-2")
    assert confirmation(db, business).body == before  # a preview saves nothing


def test_the_preview_and_the_save_need_the_csrf_token(app_config, db, business, owner):
    app = fresh_clients(create_app({**app_config, "WTF_CSRF_ENABLED": True}))
    client = app.test_client()
    token = CSRF_FIELD.search(client.get("/login").text).group(1)
    login = {"email": owner.email, "password": STAFF_PASSWORD, "csrf_token": token}
    assert client.post("/login", data=login).status_code == 302
    form = {"channel": "sms", "locale": "de", "body": PLAIN}
    assert client.post("/templates/preview", data=form).status_code == 400
    stored = confirmation(db, business)
    before = stored.body
    assert client.post(f"/templates/{stored.id}", data={"body": PLAIN}).status_code == 400
    assert confirmation(db, business).body == before
    token = csrf_of(client, f"/templates/{stored.id}")
    answered = client.post("/templates/preview", data={**form, "csrf_token": token})
    assert answered.status_code == 200 and 'id="preview-text"' in answered.text


def test_a_deleted_notice_text_offers_the_shipped_one_again(client_, db, business):
    stored = confirmation(db, business)
    token = csrf_of(client_, f"/templates/{stored.id}")
    response = client_.post(f"/templates/{stored.id}/delete", data={"csrf_token": token})
    assert response.status_code == 302
    assert confirmation(db, business) is None
    listed = client_.get("/templates")
    assert 'href="/templates/new?name=confirmation&amp;channel=sms&amp;locale=de"' in listed.text
    page = client_.get("/templates/new?name=confirmation&channel=sms&locale=de")
    assert page.status_code == 200
    assert textarea(page.text).startswith("{{ business.name }}: Ihr Termin")


def test_staff_get_the_403_on_every_page_and_post(app, db, business, owner):
    staff = add_user(db.session, business, email="ben@salon.test")
    staff.role = UserRole.STAFF
    db.session.commit()
    stored = confirmation(db, business)
    before = stored.body
    client = log_in(app, staff.email)
    token = csrf_of(client, "/account")
    for path in ("/templates", "/templates/new", f"/templates/{stored.id}"):
        assert client.get(path).status_code == 403
    for path in (
        "/templates/new",
        f"/templates/{stored.id}",
        f"/templates/{stored.id}/delete",
        "/templates/preview",
    ):
        response = client.post(
            path,
            data={
                "csrf_token": token,
                "name": "x",
                "channel": "sms",
                "locale": "de",
                "body": "changed",
            },
        )
        assert response.status_code == 403
    assert confirmation(db, business).body == before


def test_a_visitor_is_sent_to_the_login(client, db, business):
    for path in ("/templates", "/templates/new", "/templates/1"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    response = client.post("/templates/preview", data={"channel": "sms", "body": PLAIN})
    assert response.status_code in (302, 400)  # no session, no CSRF token: never a preview
    assert "preview-text" not in response.text


def test_another_business_template_is_a_404(app, db, business, business_factory, owner):
    other, _ = business_factory(name="Other Salon", sms_from="+4930555011")
    theirs = Template(
        business_id=other.id, name="secret", channel="sms", locale="de", body="Their secret text"
    )
    db.session.add(theirs)
    db.session.commit()
    client = log_in(app, owner.email)
    token = csrf_of(client)
    assert client.get(f"/templates/{theirs.id}").status_code == 404
    changed = client.post(f"/templates/{theirs.id}", data={"csrf_token": token, "body": "mine"})
    assert changed.status_code == 404
    deleted = client.post(f"/templates/{theirs.id}/delete", data={"csrf_token": token})
    assert deleted.status_code == 404
    preview = client.post(
        "/templates/preview", data={"csrf_token": token, "template_id": theirs.id, "body": "x"}
    )
    assert preview.status_code == 404
    assert "Their secret text" not in client.get("/templates").text
    db.session.expire_all()
    assert db.session.get(Template, theirs.id).body == "Their secret text"


def test_the_editor_speaks_the_owner_language(app, db, business, owner):
    owner.locale = "de"
    db.session.commit()
    client = log_in(app, owner.email)
    stored = confirmation(db, business)
    page = client.get(f"/templates/{stored.id}")
    assert "Buchungslink" in page.text and "Vorschau" in page.text
    assert "SMS-Teil" in page.text and "Nachrichtentexte" in client.get("/templates").text


def test_a_new_email_text_can_be_written_without_a_script(client_, db, business):
    page = client_.get("/templates/new?channel=email&locale=en")
    assert page.status_code == 200
    assert 'id="template-subject"' in page.text and "data-email-only" in page.text
    token = CSRF_FIELD.search(page.text).group(1)
    form = {"csrf_token": token, "name": "welcome", "channel": "email", "locale": "en"}
    data = {**form, "subject": "Welcome to {{ business.name }}", "body": PLAIN}
    assert client_.post("/templates/new", data=data).status_code == 302
    stored = db.session.scalar(select(Template).where(Template.name == "welcome"))
    assert stored.subject == "Welcome to {{ business.name }}" and stored.channel == "email"
    # An SMS text has no subject field at all.
    sms = confirmation(db, business)
    assert 'id="template-subject"' not in client_.get(f"/templates/{sms.id}").text


def test_a_channel_or_language_the_form_does_not_offer_is_refused(client_, db, business):
    token = csrf_of(client_)
    form = {"csrf_token": token, "name": "welcome", "body": PLAIN}
    refused = client_.post("/templates/new", data={**form, "channel": "fax", "locale": "de"})
    assert refused.status_code == 422
    assert_invalid(refused.text, "template-channel")
    assert textarea(refused.text) == PLAIN
    assert db.session.scalar(select(Template).where(Template.name == "welcome")) is None


# --- refusals in the owner's language (issue 11 review) --------------------------------

LONG_SMS = "Hallo {{ customer.first_name }}! " + "x" * 2000
# What the service says in English for the API; a page never shows these.
ENGLISH = ("Twilio", "template error", "may have at most", "a template needs", "is unsafe")


def refusal_under_body(html: str) -> str:
    errors = re.search(r'<span id="body-errors">(.*?)</span>\s*<span', html, re.S)
    assert errors, "the body has its errors"
    return unescape(re.sub(r"<[^>]+>", " ", errors.group(1))).strip()


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        (
            "de",
            {
                "long": "Mit den Beispieldaten hat dieser Text 2.014 Zeichen, eine SMS darf aber "
                "höchstens 1.600 haben.",
                "name": "Der Name darf höchstens 200 Zeichen haben.",
                "empty": "Schreiben Sie den Text; er darf nicht leer sein.",
                "escape": "Dieser Text lässt sich nicht darstellen: Er verlangt etwas, das "
                "Nachrichtentexte nicht können",
                "syntax": "Zeile 2 hat einen Fehler in ihren {{ }}- oder {% %}-Klammern",
                "unknown": "Eine Variable {{ foo }} gibt es nicht",
            },
        ),
        (
            "nl",
            {
                "long": "Met de voorbeeldgegevens heeft deze tekst 2.014 tekens, maar een sms mag "
                "er hoogstens 1.600 hebben.",
                "name": "De naam mag hoogstens 200 tekens hebben.",
                "empty": "Schrijf de tekst; hij mag niet leeg zijn.",
                "escape": "Deze tekst kan niet worden weergegeven: hij vraagt iets wat "
                "berichtteksten niet kunnen",
                "syntax": "Regel 2 bevat een fout in de {{ }}- of {% %}-tekens",
                "unknown": "Een variabele {{ foo }} bestaat niet",
            },
        ),
    ],
)
def test_every_refusal_is_a_sentence_in_the_owner_s_language(
    client_, db, business, owner, locale, expected
):
    owner.locale = locale
    db.session.commit()
    stored = confirmation(db, business)
    token = csrf_of(client_, f"/templates/{stored.id}")
    bodies = {
        "long": LONG_SMS,
        "empty": "   ",
        "escape": ESCAPE,
        "syntax": "Hallo\n{{ customer.first_name }",
        "unknown": "Hallo {{ foo }}",
    }
    for case, body in bodies.items():
        response = client_.post(f"/templates/{stored.id}", data={"csrf_token": token, "body": body})
        assert response.status_code == 422, case
        shown = refusal_under_body(response.text)
        assert expected[case] in shown, (case, shown)
        assert not any(english in shown for english in ENGLISH), (case, shown)
        assert "(" not in shown, (case, shown)  # no service sentence tacked on

    named = client_.post(
        "/templates/new",
        data={
            "csrf_token": token,
            "name": "n" * 201,
            "channel": "sms",
            "locale": "de",
            "body": PLAIN,
        },
    )
    assert named.status_code == 422
    assert expected["name"] in unescape(named.text)
    assert "the name may have at most" not in named.text
    assert_invalid(named.text, "template-name")


def test_the_preview_refuses_what_saving_refuses_and_still_counts_it(client_, db, business):
    stored = confirmation(db, business)
    token = csrf_of(client_, f"/templates/{stored.id}")
    data = {"csrf_token": token, "template_id": stored.id, "body": LONG_SMS}

    preview = client_.post("/templates/preview", data=data)
    saved = client_.post(f"/templates/{stored.id}", data={"csrf_token": token, "body": LONG_SMS})

    assert (preview.status_code, saved.status_code) == (422, 422)
    sentence = "With the sample data this text has 2,014 characters, but an SMS may have at most"
    assert sentence in unescape(preview.text) and sentence in refusal_under_body(saved.text)
    assert 'data-refused-field="body"' in preview.text
    count = count_segments("Hallo Ursula! " + "x" * 2000)
    assert preview_numbers(preview) == (count.segments, "GSM-7")
    # The page refused on save shows the same refusal and count in its preview pane.
    assert preview_numbers(saved) == (count.segments, "GSM-7")
    assert "Type a text to see it" not in saved.text
    assert confirmation(db, business).body == stored.body


def test_a_refused_save_previews_the_typed_text(client_, db, business):
    token = csrf_of(client_)
    form = {"csrf_token": token, "channel": "sms", "locale": "de", "body": PLAIN}

    duplicate = client_.post("/templates/new", data={**form, "name": "confirmation"})

    assert duplicate.status_code == 422
    pane = duplicate.text.split('id="template-preview"', 1)[1]
    assert "Type a text to see it" not in pane
    assert re.search(r"Hallo Ursula, bis \w+ um 14:00 Uhr!", pane)
    assert 'id="preview-segments">1<' in pane


def test_shipped_texts_have_names_in_words_not_codes(client_, db, business, owner):
    page = unescape(client_.get("/templates").text)
    assert "Asks whether to cancel" in page and "Nothing free then, offers free times" in page
    assert "Reply_ask_cancel" not in page and "<code>reply_" not in page
    reply = db.session.scalar(
        select(Template).where(
            Template.business_id == business.id,
            Template.name == "reply_ask_cancel",
            Template.channel == "sms",
            Template.locale == "de",
        )
    )
    editor = unescape(client_.get(f"/templates/{reply.id}").text)
    assert "<h1>Asks whether to cancel</h1>" in editor
    assert "rules do not send it" in editor

    owner.locale = "de"
    db.session.commit()
    german = unescape(client_.get("/templates").text)
    assert "Fragt, ob abgesagt werden soll" in german and "Reply_ask_cancel" not in german


def test_a_missing_booking_link_is_shown_where_it_would_stand(client_, db, business):
    assert not business.booking_url
    stored = confirmation(db, business)
    token = csrf_of(client_, f"/templates/{stored.id}")
    body = "Hallo {{ customer.first_name }}! Buchen: {{ booking_url }} Bis bald."

    preview = client_.post(
        "/templates/preview", data={"csrf_token": token, "template_id": stored.id, "body": body}
    )

    assert preview.status_code == 200
    shown = unescape(re.search(r'id="preview-text"[^>]*>(.*?)</div>', preview.text, re.S).group(1))
    assert re.sub(r"<[^>]+>", "", shown) == (
        "Hallo Ursula! Buchen: [booking link — not set in Settings] Bis bald."
    )
    assert '<mark class="booking-gap">' in shown
    assert 'id="preview-booking-gap"' in preview.text and "/settings#booking_url" in preview.text
    # The count is of what would be sent: without the link.
    assert f"{len('Hallo Ursula! Buchen:  Bis bald.')} characters" in preview.text
    # A shipped text that leaves the link out when there is none shows no gap.
    shipped = client_.post(
        "/templates/preview",
        data={
            "csrf_token": token,
            "template_id": stored.id,
            "body": "Abgesagt.{% if booking_url %} Neu buchen: {{ booking_url }}{% endif %}",
        },
    )
    assert "booking-gap" not in shipped.text and "Abgesagt." in shipped.text
    # Saving stays allowed.
    saved = client_.post(f"/templates/{stored.id}", data={"csrf_token": token, "body": body})
    assert saved.status_code == 302

    business.booking_url = "https://salon.example/buchen"
    db.session.commit()
    linked = client_.post(
        "/templates/preview", data={"csrf_token": token, "template_id": stored.id, "body": body}
    )
    assert "Buchen: https://salon.example/buchen Bis bald." in unescape(linked.text)
    assert "booking-gap" not in linked.text
