"""The usage page through the Flask test client: a month's figures as GET /api/v1/usage
counts them, the months before and after, the twelve months' chart and table, a bad
month refused in words, staff refused and logged-out visitors sent to the login."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.models import Author, Direction, Message, UserRole
from bot.services.businesses import create_api_key
from outbound.delivery import shift_month
from outbound.policy.vocabulary import Channel, MessageStatus
from tests.support.web import add_user, fresh_clients, log_in

BERLIN = ZoneInfo("Europe/Berlin")
FIGURES = {
    "usage-sms-sent": "sms_sent",
    "usage-sms-delivered": "sms_delivered",
    "usage-segments": "sms_billable_segments",
    "usage-emails": "emails_sent",
}


@pytest.fixture
def app(app):
    return fresh_clients(app)


def page(response) -> str:
    return response.get_data(as_text=True)


def figures(html: str) -> dict[str, int]:
    found = {}
    for element_id, key in FIGURES.items():
        match = re.search(rf'<dd id="{element_id}">(\d+)</dd>', html)
        assert match, element_id
        found[key] = int(match.group(1))
    return found


def message(
    db,
    business,
    when,
    *,
    channel=Channel.SMS,
    status,
    segments=1,
    billable=False,
    direction=Direction.OUTBOUND,
) -> Message:
    row = Message(
        business_id=business.id,
        direction=direction,
        channel=channel,
        from_address="+4930555010",
        to_address="+4915112345678" if channel == Channel.SMS else "ursula@example.test",
        body="Ihr Termin",
        segments=segments if channel == Channel.SMS else 0,
        status=status,
        billable=billable,
        author=Author.BOT if direction == Direction.OUTBOUND else Author.CUSTOMER,
        created_at=when,
        sent_at=when if direction == Direction.OUTBOUND else None,
    )
    db.session.add(row)
    db.session.commit()
    return row


@pytest.fixture
def month_of_messages(db, business):
    """Messages in May 2026 (Berlin), and one in April and one in June around the edges."""
    may = datetime(2026, 5, 10, 12, 0, tzinfo=BERLIN)
    message(db, business, may, status=MessageStatus.DELIVERED, segments=2, billable=True)
    message(db, business, may, status=MessageStatus.DELIVERED, segments=1, billable=True)
    message(db, business, may, status=MessageStatus.SENT, segments=3)
    message(db, business, may, status=MessageStatus.FAILED, segments=1)
    message(db, business, may, channel=Channel.EMAIL, status=MessageStatus.SENT)
    message(db, business, may, status=MessageStatus.RECEIVED, direction=Direction.INBOUND)
    # the business's calendar months: 23:30 on 30 April in Berlin is April's (21:30 UTC)
    april = datetime(2026, 4, 30, 23, 30, tzinfo=BERLIN)
    message(db, business, april, status=MessageStatus.DELIVERED, segments=4, billable=True)
    june = datetime(2026, 6, 1, 0, 30, tzinfo=BERLIN)  # June's, though still May in UTC
    message(db, business, june, channel=Channel.EMAIL, status=MessageStatus.DELIVERED)
    return "2026-05"


def test_the_months_figures_are_the_apis(app, owner, db, business, month_of_messages):
    key = create_api_key(db.session, business)
    db.session.commit()
    client = log_in(app)
    for month in ("2026-04", "2026-05", "2026-06"):
        api = client.get(
            "/api/v1/usage",
            query_string={"month": month},
            headers={"Authorization": f"Bearer {key}"},
        ).get_json()
        response = client.get("/usage", query_string={"month": month})
        assert response.status_code == 200
        shown = figures(page(response))
        assert shown == {name: api[name] for name in FIGURES.values()}
    may = figures(page(client.get("/usage?month=2026-05")))
    assert may == {
        "sms_sent": 3,
        "sms_delivered": 2,
        "sms_billable_segments": 3,
        "emails_sent": 1,
    }


def test_the_page_links_the_months_around_and_charts_twelve(app, owner, month_of_messages):
    client = log_in(app)
    html = page(client.get("/usage?month=2026-05"))
    assert '<h2 id="usage-month-name" data-month="2026-05">May 2026</h2>' in html
    assert 'id="usage-prev" rel="prev" href="/usage?month=2026-04"' in html
    assert 'id="usage-next" rel="next" href="/usage?month=2026-06"' in html
    chart = html.split('<svg id="usage-chart"')[1].split("</svg>")[0]
    assert 'role="img"' in chart
    assert re.search(r'aria-label="[^"]*Jun 2025 to May 2026[^"]*"', chart)
    assert chart.count('class="usage-bar-segments"') == 12
    assert chart.count('class="usage-bar-emails"') == 12
    table = html.split('id="usage-table"')[1].split("</table>")[0]
    assert table.count('<tr id="usage-row-') == 12
    april = re.search(r'<tr id="usage-row-2026-04">(.*?)</tr>', table, re.S).group(1)
    assert re.findall(r"<td>(\d+)</td>", april) == ["1", "1", "4", "0"]
    # the tallest bar is April's four segments: the chart's full height
    heights = [
        float(h) for h in re.findall(r'class="usage-bar-segments"[^>]*height="([\d.]+)"', chart)
    ]
    assert max(heights) == heights[-2] > heights[-1] > 0


def test_without_a_month_the_page_shows_this_one(app, owner, business):
    client = log_in(app)
    this_month = datetime.now(BERLIN).strftime("%Y-%m")
    html = page(client.get("/usage"))
    assert f'data-month="{this_month}"' in html
    assert f'href="/usage?month={shift_month(this_month, -1)}"' in html
    assert 'id="usage-next"' not in html  # the months to come have nothing to count yet
    assert figures(html) == dict.fromkeys(FIGURES.values(), 0)


@pytest.mark.parametrize("month", ["2026-13", "May 2026", "1969-12", "2026-5", "<b>x</b>"])
def test_a_bad_month_is_refused_in_words(app, owner, month):
    client = log_in(app)
    response = client.get("/usage", query_string={"month": month})
    assert response.status_code == 422
    html = page(response)
    assert re.search(r'id="usage-month-error" role="alert">Choose a month written as year', html)
    assert 'aria-invalid="true"' in html
    assert "<b>x</b>" not in html  # what was typed stays text
    this_month = datetime.now(BERLIN).strftime("%Y-%m")
    assert f'data-month="{this_month}"' in html  # and this month's figures below


def test_staff_get_the_friendly_403(app, owner, db, business):
    user = add_user(db.session, business, email="ben@salon.test")
    user.role = UserRole.STAFF
    db.session.commit()
    client = log_in(app, "ben@salon.test")
    response = client.get("/usage")
    assert response.status_code == 403
    assert 'id="usage-figures"' not in page(response)
    assert 'href="/usage"' not in page(client.get("/customers"))  # nor in the menu


def test_logged_out_visitors_are_sent_to_the_login(app, owner):
    response = app.test_client().get("/usage?month=2026-05")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_the_owner_finds_usage_in_the_menu(app, owner):
    html = page(log_in(app).get("/usage"))
    assert '<a href="/usage" class="current">Usage</a>' in html
