"""The simulator transport for the demo and development: sends nothing anywhere and reports
every message delivered, so the phone simulator page and the inbox show what a customer would
have received."""

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
