"""The schedule the `clock` process runs (`rq cron bot.clock`): the dispatcher tick every
few seconds, the inbox's snooze alarm every half minute, the rebook scan every ten minutes
and the pruning of expired idempotency keys every hour, all enqueued on the dispatch queue
for the workers; registering only records the functions, so importing this module touches
no Redis and builds no app."""

from __future__ import annotations

from rq import cron

from bot.idempotency_pruning import prune_idempotency_keys
from bot.inbox_alarm import wake_snoozed
from outbound.jobs import dispatch_tick, plan_rebook
from outbound.queueing import DISPATCH_QUEUE

DISPATCH_INTERVAL_SECONDS = 5
# A tick claims at most a few hundred rows; if one takes longer than this,
# something is wrong and the next tick should not pile up behind it.
DISPATCH_JOB_TIMEOUT_SECONDS = 60
# Ticks are frequent and their result is a count; keep it briefly for `rq info`.
DISPATCH_RESULT_TTL_SECONDS = 60

# Rebook nudges are due at a time of day, planned days ahead: a scan every ten
# minutes is soon enough. A scan reads the customers whose last visit can still
# have a nudge due (bench/rebook_scan.py has its cost); it shares the dispatch
# queue with the tick and the send jobs.
REBOOK_INTERVAL_SECONDS = 600
REBOOK_JOB_TIMEOUT_SECONDS = 300
REBOOK_RESULT_TTL_SECONDS = 3600

cron.register(
    dispatch_tick,
    queue_name=DISPATCH_QUEUE,
    interval=DISPATCH_INTERVAL_SECONDS,
    job_timeout=DISPATCH_JOB_TIMEOUT_SECONDS,
    result_ttl=DISPATCH_RESULT_TTL_SECONDS,
)
# A snoozed conversation comes back to the open inbox within this of its time.
SNOOZE_INTERVAL_SECONDS = 30

cron.register(
    wake_snoozed,
    queue_name=DISPATCH_QUEUE,
    interval=SNOOZE_INTERVAL_SECONDS,
    job_timeout=DISPATCH_JOB_TIMEOUT_SECONDS,
    result_ttl=DISPATCH_RESULT_TTL_SECONDS,
)
cron.register(
    plan_rebook,
    queue_name=DISPATCH_QUEUE,
    interval=REBOOK_INTERVAL_SECONDS,
    job_timeout=REBOOK_JOB_TIMEOUT_SECONDS,
    result_ttl=REBOOK_RESULT_TTL_SECONDS,
)

# Keys expire after 24 hours whether pruned or not; pruning only keeps the table small.
PRUNE_IDEMPOTENCY_INTERVAL_SECONDS = 3600

cron.register(
    prune_idempotency_keys,
    queue_name=DISPATCH_QUEUE,
    interval=PRUNE_IDEMPOTENCY_INTERVAL_SECONDS,
    job_timeout=REBOOK_JOB_TIMEOUT_SECONDS,
    result_ttl=REBOOK_RESULT_TTL_SECONDS,
)
