"""What every known failure message must satisfy, whoever gives it (AWS's documentation or the
simulator): its category, a remediation, a public page, and the same category however wrapped."""

from __future__ import annotations

from backup_relay.domain.diagnosis import diagnose


def assert_classified(
    message: str, resource_type: str | None, kind: str | None, category: str
) -> None:
    diagnosis = diagnose(message, resource_type=resource_type, kind=kind)
    assert diagnosis.category == category
    assert diagnosis.remediation
    assert diagnosis.docs.startswith("https://")
    assert diagnosis.message == message


def assert_wrapping_keeps_the_category(
    message: str, resource_type: str | None, kind: str | None, category: str
) -> None:
    # AWS's events quote some messages (\"...\"), callers prefix others
    for wrapped in (
        f'"{message}"',
        f'\\"{message}\\"',
        f"Access denied: {message}",
        f"  {message}  ",
    ):
        assert diagnose(wrapped, resource_type=resource_type, kind=kind).category == category
