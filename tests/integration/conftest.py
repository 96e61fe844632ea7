"""Fixtures of the integration tier: moto and the sandbox's central stack."""

from __future__ import annotations

from tests.support.sandbox_fixtures import central, invoke_ingest, moto

__all__ = ["central", "invoke_ingest", "moto"]
