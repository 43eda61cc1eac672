"""The usage page, `/usage` (owners only): a month's SMS sent, delivered, billable
segments and emails (R0.5), with links to the month before and after, and the
last twelve months as a bar chart drawn here as inline SVG, with a table of the
same figures for screen readers and for reading exact numbers.

The counting is the API's (`outbound.delivery.monthly_usage`, per calendar
month in the business's time zone), so this page and `GET /api/v1/usage` always
agree. A month that is not "YYYY-MM" is refused next to the month field (422),
with this month's figures shown below it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import Blueprint, render_template, request
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user

from bot.extensions import db
from bot.models import utcnow
from bot.web.roles import owner_required
from outbound.delivery import month_of, shift_month, usage_history, valid_month

bp = Blueprint("usage_pages", __name__)

MONTHS_SHOWN = 12
# The chart's drawing box (SVG user units); the SVG scales to the page's width.
CHART_WIDTH, CHART_HEIGHT, CHART_BASE, CHART_TOP = 600, 220, 190, 20


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    value: int


@dataclass(frozen=True)
class ChartMonth:
    month: str
    label: str
    segments: Bar
    emails: Bar
    label_x: float


@bp.get("/usage")
@owner_required
def index():
    business = current_user.business
    this_month = month_of(business, utcnow())
    month = request.args.get("month", "").strip() or this_month
    error = None
    if not valid_month(month):
        error = _(
            'Choose a month written as year and month, e.g. "%(example)s".', example=this_month
        )
        typed, month = month[:20], this_month
    else:
        typed = month
    history = usage_history(db.session, business, month, months=MONTHS_SHOWN)
    usage = history[-1][1]
    page = render_template(
        "usage.html",
        month=month,
        typed=typed,
        error=error,
        month_name=_month_name(month, "MMMM yyyy"),
        usage=usage,
        previous=shift_month(month, -1) if valid_month(shift_month(month, -1)) else None,
        following=shift_month(month, 1) if month < this_month else None,  # no future
        history=[(each, _month_name(each, "MMM yyyy"), figures) for each, figures in history],
        chart=chart(history),
        chart_size=(CHART_WIDTH, CHART_HEIGHT, CHART_BASE),
    )
    return page, 422 if error else 200


def _month_name(month: str, pattern: str) -> str:
    return format_date(date(int(month[:4]), int(month[5:7]), 1), pattern)


def chart(history: list[tuple[str, dict[str, int]]]) -> list[ChartMonth]:
    """Two bars a month (billable segments, emails), scaled to the largest figure shown."""
    if not history:
        return []
    largest = max(
        max(figures["sms_billable_segments"], figures["emails_sent"]) for _, figures in history
    )
    scale = (CHART_BASE - CHART_TOP) / largest if largest else 0
    slot = CHART_WIDTH / len(history)
    bar_width = slot * 0.35
    drawn = []
    for index, (month, figures) in enumerate(history):
        left = index * slot + slot * 0.12
        bars = []
        for offset, value in ((0, figures["sms_billable_segments"]), (1, figures["emails_sent"])):
            height = round(value * scale, 1)
            bars.append(
                Bar(
                    x=round(left + offset * bar_width, 1),
                    y=round(CHART_BASE - height, 1),
                    width=round(bar_width, 1),
                    height=height,
                    value=value,
                )
            )
        drawn.append(
            ChartMonth(
                month=month,
                label=_month_name(month, "MMM"),
                segments=bars[0],
                emails=bars[1],
                label_x=round(index * slot + slot / 2, 1),
            )
        )
    return drawn
