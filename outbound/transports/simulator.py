"""The simulator transport: sends nothing anywhere and reports every message delivered.

It serves the demo and development without Twilio or a mail server
(`SMS_TRANSPORT=simulator`, `EMAIL_TRANSPORT=simulator`): the job stores the
`Message` as usual, so the phone simulator page and the inbox show exactly
what a real customer would have received.
"""

from __future__ import annotations

import secrets

from outbound.policy.vocabulary import Channel, MessageStatus
from outbound.transports import Outgoing, SendResult, Transport

SID_PREFIX = "SIM"


class SimulatorTransport(Transport):
    name = "simulator"
    channels = frozenset(Channel)
    accepts_attachments = True

    def deliver(self, outgoing: Outgoing) -> SendResult:
        """Accept `outgoing` as delivered under a fresh "SIM…" id."""
        return SendResult(
            provider_sid=SID_PREFIX + secrets.token_hex(16), status=MessageStatus.DELIVERED
        )
