"""Per-sender pacing: how fast one Twilio sender may hand messages to Twilio.

Twilio drains each sender at a fixed speed (docs/PLATFORM.md: about 1 segment a
second for a US long code, 10 for other countries, 100 for a short code) and
meets a burst it cannot queue with 429s. So before each SMS or WhatsApp send
a job takes tokens here from the bucket of the sender the message goes out
from (a number or a Messaging Service), one token per segment, because
Twilio meters segments. The bucket is a token bucket whose spent tokens come
back one window later, i.e. a sliding window: at most `capacity` segments in
any `window` seconds, which for a whole-number rate means never more than
`rate` in any one second. Twilio counts when a request arrives, not when we
decided to send it, so a token comes back ARRIVAL_JITTER_SECONDS after its
window, or network jitter could squeeze one window's sends into less. The
bucket lives in Redis so every worker shares it, and one Lua script reads
the time from the Redis server and updates it atomically, so the workers'
own clocks do not matter. When the bucket is short, `take` books the caller a
turn in the sender's waiting line and says how long to wait; the caller puts
its row back until then (a worker never sleeps), and because every turn is
booked behind the last one a burst comes back spread out at the sender's
rate instead of all at once. The SMS rate is the business's `sms_per_second`
when it set one, else the `SMS_PER_SECOND` setting, else 1.0, the speed of a
long code; a WhatsApp sender takes WHATSAPP_PER_SECOND messages a second,
one token each. This module also says how long a row waits after a failed try
(`retry_delay`, `message_retry_delay`): the backoff, or longer when the
provider's Retry-After asks for it.
"""

from __future__ import annotations

import logging
import math
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from redis import Redis
from redis.exceptions import RedisError

from outbound.policy.vocabulary import Channel
from outbound.transports import transport_name

DEFAULT_SMS_PER_SECOND = 1.0
WHATSAPP_PER_SECOND = 80.0  # a Twilio WhatsApp sender's default throughput, messages a second
PACED_CHANNELS = frozenset({Channel.SMS, Channel.WHATSAPP})
KEY_PREFIX = "replydesk:pace:"
# Slack for the network between our decision and Twilio's clock (see above).
ARRIVAL_JITTER_SECONDS = 0.05
RETRY_BACKOFF_SECONDS = (10, 30, 60, 300, 900)  # after the 1st, 2nd … failed attempt

log = logging.getLogger(__name__)

# KEYS: the sender's bucket (a sorted set of spent tokens scored by when they
# were spent) and its line (when the next waiting caller may come back).
# ARGV: capacity, seconds until a spent token is back, cost in tokens, a unique
# id for this call.
# Returns "0" when the tokens were taken, else the seconds until the booked turn.
_TAKE = """
local bucket, line = KEYS[1], KEYS[2]
local capacity = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local keep_ms = math.ceil(window * 1000) + 1000
-- Redis turns a Lua number into text with 14 digits; write times out in full.
redis.call('ZREMRANGEBYSCORE', bucket, '-inf', string.format('%.6f', now - window))
local spent = redis.call('ZCARD', bucket)
if spent + cost <= capacity then
  for i = 1, cost do
    redis.call('ZADD', bucket, string.format('%.6f', now), ARGV[4] .. ':' .. i)
  end
  redis.call('PEXPIRE', bucket, keep_ms)
  return '0'
end
local short = spent + cost - capacity
local nth = redis.call('ZRANGE', bucket, short - 1, short - 1, 'WITHSCORES')
local turn = math.max(tonumber(nth[2]) + window, tonumber(redis.call('GET', line) or '0'))
local after = turn + cost * window / capacity
local line_ms = math.ceil((after - now) * 1000) + keep_ms
redis.call('SET', line, string.format('%.6f', after), 'PX', line_ms)
return string.format('%.6f', turn - now)
"""


@dataclass(frozen=True)
class Rate:
    """A sender's speed in segments per second, as a bucket and its window."""

    per_second: float

    def __post_init__(self) -> None:
        if not self.per_second > 0:
            raise ValueError(f"a send rate must be above zero, not {self.per_second!r}")

    @property
    def capacity(self) -> int:
        """Tokens in the bucket: the whole number of segments one second allows, at least 1."""
        return max(1, math.floor(self.per_second))

    @property
    def window(self) -> float:
        """Seconds after which a spent token comes back: 1.0 for a whole-number rate."""
        return self.capacity / self.per_second


def sender_rate(business_rate: float | None, config: Mapping[str, Any]) -> Rate:
    """The pace for a business's senders: its own `sms_per_second`, else the
    `SMS_PER_SECOND` setting, else DEFAULT_SMS_PER_SECOND. Raises ValueError
    for a rate that is not above zero."""
    if business_rate is not None:
        return Rate(float(business_rate))
    return Rate(float(config.get("SMS_PER_SECOND") or DEFAULT_SMS_PER_SECOND))


def take(redis: Redis, sender: str, rate: Rate, cost: int = 1) -> float:
    """Take `cost` tokens (segments) for one message from `sender`'s bucket.

    Returns 0.0 when they were taken: send now. Otherwise nothing was taken,
    a turn is booked in the sender's line, and the return value is the
    seconds until that turn. A message longer than the bucket holds takes the
    whole bucket. Raises redis.RedisError when Redis cannot be reached.
    """
    cost = min(max(1, cost), rate.capacity)
    wait = redis.register_script(_TAKE)(
        keys=[f"{KEY_PREFIX}{sender}", f"{KEY_PREFIX}{sender}:line"],
        args=[rate.capacity, repr(rate.window + ARRIVAL_JITTER_SECONDS), cost, uuid.uuid4().hex],
    )
    return float(wait)


def sender_turn(
    channel: Channel,
    sender: str,
    segments: int,
    business_rate: float | None,
    config: Mapping[str, Any],
    redis: Redis,
) -> timedelta:
    """Zero when a message of `segments` may leave `sender` now, else how long
    until its turn (booked). Only SMS and WhatsApp through Twilio are paced.
    Without Redis the message goes unpaced, with a warning: pacing only spares
    us 429s, which are retried anyway, and the CLI's inline pass still sends."""
    if channel not in PACED_CHANNELS or not sender or transport_name(channel, config) != "twilio":
        return timedelta(0)
    if channel == Channel.WHATSAPP:
        rate, cost = Rate(WHATSAPP_PER_SECOND), 1  # WhatsApp meters messages, not parts
    else:
        rate, cost = sender_rate(business_rate, config), segments
    try:
        return timedelta(seconds=take(redis, sender, rate, cost=cost))
    except RedisError as error:
        log.warning("pacing unavailable, %s sends unpaced: %s", sender, error)
        return timedelta(0)


def retry_delay(attempts: int, retry_after: float | None = None) -> timedelta:
    """How long a notification waits after its `attempts`-th failed attempt: the
    backoff for that attempt, or the provider's Retry-After when it asks for longer."""
    backoff = RETRY_BACKOFF_SECONDS[min(max(attempts, 1), len(RETRY_BACKOFF_SECONDS)) - 1]
    return timedelta(seconds=max(backoff, retry_after or 0))


def message_retry_delay(age: timedelta, retry_after: float | None = None) -> timedelta:
    """How long a message `age` old waits after a failed try: as long again as it
    has existed (so the waits double), within the first and last backoff, or the
    provider's Retry-After when it asks for longer. Messages count no attempts."""
    backoff = min(max(age.total_seconds(), RETRY_BACKOFF_SECONDS[0]), RETRY_BACKOFF_SECONDS[-1])
    return timedelta(seconds=max(backoff, retry_after or 0))
