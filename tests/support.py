"""Small helpers several test packages share (fixtures live in conftest.py)."""

from __future__ import annotations

import os
import signal
import subprocess

from bot.models import Author, Business, Customer, Message
from bot.services.messages import queue_message
from outbound.channels import ContactFacts
from outbound.vocabulary import Channel


def contact_facts(**overrides) -> ContactFacts:
    """A customer with a mobile number and SMS consent only, at a business with SMS on;
    `overrides` change any fact."""
    values = dict(
        has_email=False,
        email_consent=False,
        has_phone=True,
        phone_is_mobile=True,
        sms_consent=True,
        sms_opted_out_at=None,
        sms_enabled=True,
        sms_confirmation_always=False,
    )
    values.update(overrides)
    return ContactFacts(**values)


def queue_sms(
    session, business: Business, customer: Customer, body: str = "Danke!", author=Author.BOT
) -> Message:
    """An outbound SMS to `customer`, stored as queued; its job is enqueued on commit."""
    return queue_message(
        session,
        business,
        channel=Channel.SMS,
        to_address=customer.phone,
        body=body,
        author=author,
        customer_id=customer.id,
    )


def stop_process_group(process: subprocess.Popen, timeout: float = 20) -> None:
    """End a server the tests started in its own session (start_new_session=True):
    SIGTERM to the whole group, SIGKILL when it has not stopped after `timeout`."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    except ProcessLookupError:
        pass
