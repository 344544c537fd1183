"""Errors in what the user asked (not in the spec): an unknown source or destination."""

from __future__ import annotations


class QueryError(Exception):
    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message
