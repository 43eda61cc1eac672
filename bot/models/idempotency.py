"""The API's idempotency records: the first successful answer to a POST sent with an
`Idempotency-Key`, kept per business and key so a retry of the same request gets that answer
again instead of doing the work twice."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.models.base import Base, UTCDateTime, utcnow

MAX_IDEMPOTENCY_KEY_LENGTH = 255


class IdempotencyKey(Base):
    """One key a business sent with a POST, the request it came with and the answer it got.

    The row is written in the transaction that does the request's work and commits with it,
    answer included, so a committed row always holds an answer: `response_status` is None
    only inside that transaction.
    """

    __tablename__ = "idempotency_key"
    __table_args__ = (UniqueConstraint("business_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    business_id: Mapped[int] = mapped_column(ForeignKey("business.id"))
    key: Mapped[str] = mapped_column(String(MAX_IDEMPOTENCY_KEY_LENGTH))
    method: Mapped[str] = mapped_column(String(8))
    path: Mapped[str] = mapped_column(String(255))
    # hex: of the body's canonical JSON (`bot.services.idempotency.body_fingerprint`)
    body_sha256: Mapped[str] = mapped_column(String(64))
    response_status: Mapped[int | None] = mapped_column(Integer)
    response_body: Mapped[str | None] = mapped_column(Text)
    response_location: Mapped[str | None] = mapped_column(String(2048))
    # The pruning job deletes by it; a key older than the window counts as new.
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
