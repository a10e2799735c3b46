"""Errors of the history store; each message names what was asked for."""

from __future__ import annotations


class HistoryError(Exception):
    """The history database cannot be opened, migrated or read."""


class NoDatabaseError(HistoryError):
    """There is no history database at the given path."""


class UnknownPointError(HistoryError, KeyError):
    """The point was never recorded in this history database."""

    def __init__(self, point_id: str) -> None:
        super().__init__(point_id)
        self.point_id = point_id

    def __str__(self) -> str:
        return f"no history for point {self.point_id!r}"
