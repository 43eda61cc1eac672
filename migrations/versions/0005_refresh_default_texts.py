"""Refresh the default texts a business never edited to the current wording.

New businesses get the shipped texts as editable templates; a business made
before a default text improved still holds the old copy. Each row below is
(name, channel, locale, an earlier default, the current default): a template
whose body is still exactly that earlier default gets the current one, and an
edited one is left alone. The texts are written out here, not read from
templates/messages, so this migration means the same whenever it runs.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 23:00:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

TEXTS = [
    (
        "change",
        "email",
        "de",
        'Hallo {{ customer.name or "" }},\n\nIhr Termin bei {{ business.name }} wurde angepasst. Er findet am {{ weekday }}, {{ date }} um {{ time }} Uhr statt.\n\n{{ business.name }}',
        'Hallo {{ customer.name or "" }},\n\nIhr Termin bei {{ business.name }} wurde angepasst. Er findet am {{ weekday }}, {{ date }} um {{ time }} Uhr statt.{% if cancel_url %}\n\nSie können nicht kommen? Bis {{ window_hours }} Stunden vorher können Sie hier absagen:\n{{ cancel_url }}{% endif %}\n\n{{ business.name }}',
    ),
    (
        "change",
        "email",
        "en",
        'Hello {{ customer.name or "" }},\n\nyour appointment at {{ business.name }} has been changed. It is now on {{ weekday }}, {{ date }} at {{ time }}.\n\n{{ business.name }}',
        'Hello {{ customer.name or "" }},\n\nyour appointment at {{ business.name }} has been changed. It is now on {{ weekday }}, {{ date }} at {{ time }}.{% if cancel_url %}\n\nCan\'t make it? You can cancel here up to {{ window_hours }} hours before:\n{{ cancel_url }}{% endif %}\n\n{{ business.name }}',
    ),
    (
        "change",
        "email",
        "nl",
        'Beste {{ customer.name or "" }},\n\nuw afspraak bij {{ business.name }} is gewijzigd. Hij is nu op {{ weekday }} {{ date }} om {{ time }} uur.\n\n{{ business.name }}',
        'Beste {{ customer.name or "" }},\n\nuw afspraak bij {{ business.name }} is gewijzigd. Hij is nu op {{ weekday }} {{ date }} om {{ time }} uur.{% if cancel_url %}\n\nKunt u niet komen? Tot {{ window_hours }} uur van tevoren kunt u hier annuleren:\n{{ cancel_url }}{% endif %}\n\n{{ business.name }}',
    ),
    (
        "confirmation",
        "email",
        "de",
        'Hallo {{ customer.name or "" }},\n\nIhr Termin bei {{ business.name }} ist gebucht:\n{{ weekday }}, {{ date }} um {{ time }} Uhr{% if service %} – {{ service.name }}{% endif %}{% if staff %} bei {{ staff.name }}{% endif %}{% if location and location.address %}\n{{ location.address }}{% endif %}\n\nWir freuen uns auf Sie.\n{{ business.name }}',
        'Hallo {{ customer.name or "" }},\n\nIhr Termin bei {{ business.name }} ist gebucht:\n{{ weekday }}, {{ date }} um {{ time }} Uhr{% if service %} – {{ service.name }}{% endif %}{% if staff %} bei {{ staff.name }}{% endif %}{% if location and location.address %}\n{{ location.address }}{% endif %}{% if cancel_url %}\n\nSie können nicht kommen? Bis {{ window_hours }} Stunden vorher können Sie hier absagen:\n{{ cancel_url }}{% endif %}\n\nWir freuen uns auf Sie.\n{{ business.name }}',
    ),
    (
        "confirmation",
        "email",
        "en",
        'Hello {{ customer.name or "" }},\n\nyour appointment at {{ business.name }} is booked:\n{{ weekday }}, {{ date }} at {{ time }}{% if service %} - {{ service.name }}{% endif %}{% if staff %} with {{ staff.name }}{% endif %}{% if location and location.address %}\n{{ location.address }}{% endif %}\n\nWe look forward to seeing you.\n{{ business.name }}',
        'Hello {{ customer.name or "" }},\n\nyour appointment at {{ business.name }} is booked:\n{{ weekday }}, {{ date }} at {{ time }}{% if service %} - {{ service.name }}{% endif %}{% if staff %} with {{ staff.name }}{% endif %}{% if location and location.address %}\n{{ location.address }}{% endif %}{% if cancel_url %}\n\nCan\'t make it? You can cancel here up to {{ window_hours }} hours before:\n{{ cancel_url }}{% endif %}\n\nWe look forward to seeing you.\n{{ business.name }}',
    ),
    (
        "confirmation",
        "email",
        "nl",
        'Beste {{ customer.name or "" }},\n\nuw afspraak bij {{ business.name }} is geboekt:\n{{ weekday }} {{ date }} om {{ time }} uur{% if service %} - {{ service.name }}{% endif %}{% if staff %} bij {{ staff.name }}{% endif %}{% if location and location.address %}\n{{ location.address }}{% endif %}\n\nTot dan!\n{{ business.name }}',
        'Beste {{ customer.name or "" }},\n\nuw afspraak bij {{ business.name }} is geboekt:\n{{ weekday }} {{ date }} om {{ time }} uur{% if service %} - {{ service.name }}{% endif %}{% if staff %} bij {{ staff.name }}{% endif %}{% if location and location.address %}\n{{ location.address }}{% endif %}{% if cancel_url %}\n\nKunt u niet komen? Tot {{ window_hours }} uur van tevoren kunt u hier annuleren:\n{{ cancel_url }}{% endif %}\n\nTot dan!\n{{ business.name }}',
    ),
    (
        "confirmation",
        "sms",
        "de",
        "{{ business.name }}: Ihr Termin am {{ weekday }}, {{ date }} um {{ time }} Uhr ist gebucht. Antworten Sie C, um ihn zu bestätigen.",
        "{{ business.name }}: Ihr Termin am {{ weekday }}, {{ date }} um {{ time }} Uhr ist gebucht. Antworten Sie C, um ihn zu bestätigen.{% if cancel_url %} Absagen: {{ cancel_url }}{% endif %}",
    ),
    (
        "confirmation",
        "sms",
        "en",
        "{{ business.name }}: your appointment on {{ weekday }}, {{ date }} at {{ time }} is booked. Reply C to confirm.",
        "{{ business.name }}: your appointment on {{ weekday }}, {{ date }} at {{ time }} is booked. Reply C to confirm.{% if cancel_url %} Cancel: {{ cancel_url }}{% endif %}",
    ),
    (
        "confirmation",
        "sms",
        "nl",
        "{{ business.name }}: uw afspraak op {{ weekday }} {{ date }} om {{ time }} uur is geboekt. Antwoord C om te bevestigen.",
        "{{ business.name }}: uw afspraak op {{ weekday }} {{ date }} om {{ time }} uur is geboekt. Antwoord C om te bevestigen.{% if cancel_url %} Annuleren: {{ cancel_url }}{% endif %}",
    ),
    (
        "rebook",
        "email",
        "de",
        'Hallo {{ customer.name or "" }},\n\nIhr letzter Besuch bei {{ business.name }} ist schon eine Weile her. Möchten Sie einen neuen Termin buchen?{% if booking_url %}\n{{ booking_url }}{% endif %}\n\n{{ business.name }}',
        'Hallo {{ customer.name or "" }},\n\nIhr letzter Besuch bei {{ business.name }} ist schon eine Weile her.{% if staff %} {{ staff.name }} freut sich auf Sie.{% endif %} Möchten Sie einen neuen Termin buchen?{% if booking_url %}\n{{ booking_url }}{% endif %}\n\n{{ business.name }}',
    ),
    (
        "rebook",
        "email",
        "en",
        'Hello {{ customer.name or "" }},\n\nit has been a while since your last visit at {{ business.name }}. Would you like to book again?{% if booking_url %}\n{{ booking_url }}{% endif %}\n\n{{ business.name }}',
        'Hello {{ customer.name or "" }},\n\nit has been a while since your last visit at {{ business.name }}.{% if staff %} {{ staff.name }} looks forward to seeing you.{% endif %} Would you like to book again?{% if booking_url %}\n{{ booking_url }}{% endif %}\n\n{{ business.name }}',
    ),
    (
        "rebook",
        "email",
        "nl",
        'Beste {{ customer.name or "" }},\n\nuw laatste bezoek aan {{ business.name }} is alweer even geleden. Wilt u een nieuwe afspraak maken?{% if booking_url %}\n{{ booking_url }}{% endif %}\n\n{{ business.name }}',
        'Beste {{ customer.name or "" }},\n\nuw laatste bezoek aan {{ business.name }} is alweer even geleden.{% if staff %} {{ staff.name }} ziet u graag terug.{% endif %} Wilt u een nieuwe afspraak maken?{% if booking_url %}\n{{ booking_url }}{% endif %}\n\n{{ business.name }}',
    ),
    (
        "rebook",
        "sms",
        "de",
        'Hallo {{ customer.first_name or "" }}, Zeit für Ihren nächsten Termin bei {{ business.name }}?{% if booking_url %} {{ booking_url }}{% endif %}',
        "Hallo{% if customer.first_name %} {{ customer.first_name }}{% endif %}, Zeit für Ihren nächsten Termin bei {{ business.name }}?{% if staff %} {{ staff.name }} freut sich auf Sie.{% endif %}{% if booking_url %} Jetzt buchen: {{ booking_url }}{% endif %}",
    ),
    (
        "rebook",
        "sms",
        "en",
        'Hi {{ customer.first_name or "" }}, time for your next visit at {{ business.name }}?{% if booking_url %} {{ booking_url }}{% endif %}',
        "Hi{% if customer.first_name %} {{ customer.first_name }}{% endif %}, time for your next visit at {{ business.name }}?{% if staff %} {{ staff.name }} looks forward to seeing you.{% endif %}{% if booking_url %} Book here: {{ booking_url }}{% endif %}",
    ),
    (
        "rebook",
        "sms",
        "nl",
        'Hoi {{ customer.first_name or "" }}, tijd voor uw volgende afspraak bij {{ business.name }}?{% if booking_url %} {{ booking_url }}{% endif %}',
        "Hoi{% if customer.first_name %} {{ customer.first_name }}{% endif %}, tijd voor uw volgende afspraak bij {{ business.name }}?{% if staff %} {{ staff.name }} ziet u graag terug.{% endif %}{% if booking_url %} Boek hier: {{ booking_url }}{% endif %}",
    ),
    (
        "reminder",
        "email",
        "de",
        'Hallo {{ customer.name or "" }},\n\nwir erinnern Sie an Ihren Termin bei {{ business.name }} am {{ weekday }}, {{ date }} um {{ time }} Uhr.\n\nBis bald!\n{{ business.name }}',
        'Hallo {{ customer.name or "" }},\n\nwir erinnern Sie an Ihren Termin bei {{ business.name }} am {{ weekday }}, {{ date }} um {{ time }} Uhr.{% if cancel_url %}\n\nSie können nicht kommen? Bis {{ window_hours }} Stunden vorher können Sie hier absagen:\n{{ cancel_url }}{% endif %}\n\nBis bald!\n{{ business.name }}',
    ),
    (
        "reminder",
        "email",
        "en",
        'Hello {{ customer.name or "" }},\n\na reminder of your appointment at {{ business.name }} on {{ weekday }}, {{ date }} at {{ time }}.\n\nSee you soon!\n{{ business.name }}',
        'Hello {{ customer.name or "" }},\n\na reminder of your appointment at {{ business.name }} on {{ weekday }}, {{ date }} at {{ time }}.{% if cancel_url %}\n\nCan\'t make it? You can cancel here up to {{ window_hours }} hours before:\n{{ cancel_url }}{% endif %}\n\nSee you soon!\n{{ business.name }}',
    ),
    (
        "reminder",
        "email",
        "nl",
        'Beste {{ customer.name or "" }},\n\neen herinnering aan uw afspraak bij {{ business.name }} op {{ weekday }} {{ date }} om {{ time }} uur.\n\nTot snel!\n{{ business.name }}',
        'Beste {{ customer.name or "" }},\n\neen herinnering aan uw afspraak bij {{ business.name }} op {{ weekday }} {{ date }} om {{ time }} uur.{% if cancel_url %}\n\nKunt u niet komen? Tot {{ window_hours }} uur van tevoren kunt u hier annuleren:\n{{ cancel_url }}{% endif %}\n\nTot snel!\n{{ business.name }}',
    ),
]

_template = sa.table(
    "template",
    sa.column("name", sa.String),
    sa.column("channel", sa.String),
    sa.column("locale", sa.String),
    sa.column("body", sa.Text),
)


def _replace(name, channel, locale, old, new):
    op.execute(
        _template.update()
        .where(
            _template.c.name == name,
            _template.c.channel == channel,
            _template.c.locale == locale,
            _template.c.body == old,
        )
        .values(body=new)
    )


def upgrade():
    for name, channel, locale, earlier, current in TEXTS:
        _replace(name, channel, locale, earlier, current)


def downgrade():
    for name, channel, locale, earlier, current in TEXTS:
        _replace(name, channel, locale, current, earlier)
