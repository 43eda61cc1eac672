"""Errors a domain service raises for input it refuses; the API maps them to 4xx."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class DomainError(ValueError):
    """Input the domain refuses. `code` is machine-readable, `field` names the culprit,
    `params` hold the figures of the refusal (a limit, a count, a line) so a page can say
    it in the user's language; `message` is the English sentence the API answers with."""

    status = 422

    def __init__(
        self,
        message: str,
        *,
        code: str = "invalid",
        field: str | None = None,
        params: Mapping[str, Any] | None = None,
    ):
        super().__init__(message)
        self.message = message
        self.code = code
        self.field = field
        self.params = dict(params or {})


def refuse_problem(field: str, problem: str | None) -> None:
    """Raise DomainError naming `field` when a value check (`bot.safe_values`) found a
    `problem`, a phrase such as "must be one line; it contains a line break"."""
    if problem is not None:
        raise DomainError(f"{field} {problem}", field=field)


class NotFound(DomainError):
    status = 404

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message, code="not_found", field=field)


class Conflict(DomainError):
    status = 409

    def __init__(
        self,
        message: str,
        *,
        code: str = "conflict",
        field: str | None = None,
        params: Mapping[str, Any] | None = None,
    ):
        super().__init__(message, code=code, field=field, params=params)
