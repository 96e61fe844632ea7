"""Errors the domain raises or understands, each with a stable machine-readable code.

Adapters turn AWS's errors into these (adapters/errors.py), so use cases never see botocore.
"""

from __future__ import annotations


class InvalidJobEvent(ValueError):
    """The input is not an AWS Backup job event we can use. Never retried: it is quarantined."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


class InvalidChainState(ValueError):
    """A chain step was asked for something the chain's state does not allow (a bug)."""


class SettingsError(RuntimeError):
    """A function's environment lacks a variable the template sets, or holds a bad value."""


class AwsError(Exception):
    """AWS answered a call with an error: its code and its own message."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}" if code else message)
        self.code = code
        self.message = message


class Throttled(AwsError):
    """AWS asked us to slow down (or was briefly unavailable): retry later, with backoff.

    The state machine retries a Lambda task that fails with this error's name."""


class Unreachable(Throttled):
    """No answer: the endpoint could not be reached (the network, or a sandbox not running).
    Transient, as a throttle is: try again later."""

    def __init__(self, message: str) -> None:
        super().__init__("", message)


class Refused(AwsError):
    """AWS refused the request; its message says why. Retrying the same request will not help."""


class NotFound(Refused):
    """What the request names does not exist (or is not visible to the caller)."""


class AccessDenied(Refused):
    """A policy denies the caller (for another account's vault: that vault's access policy)."""
