"""Errors in what the user asked (not in the spec): an unknown source or destination."""

from __future__ import annotations


class QueryError(Exception):
    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


class UnknownName(QueryError):
    """A name that matches nothing in the spec and is no DNS name to look up: a typo, most
    likely (`role` is "source" or "destination"). `netpath check` lets an expectation that asks
    for `code: DNS_NXDOMAIN` look such a name up anyway."""

    def __init__(self, role: str, name: str, suggestion: str | None = None,
                 hint: str | None = None) -> None:
        """`suggestion`: the did-you-mean, when a near name works; else `hint` says what to
        give instead."""
        super().__init__(f"unknown {role} {name!r}", suggestion or hint)
        self.role = role
        self.name = name
        self.suggestion = suggestion
