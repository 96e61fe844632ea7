"""Errors the domain raises on purpose, each with a stable machine-readable code."""

from __future__ import annotations


class InvalidJobEvent(ValueError):
    """The input is not an AWS Backup job event we can use. Never retried: it is quarantined."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"
