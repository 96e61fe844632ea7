"""Recovery points a malware scan found threats in, and the copies the chains made of them
(issue #25 item 6): what the THREATS_FOUND alert names, and what `status` and `coverage` mark.

A scan's result is AWS's `scanResult.scanResultStatus` (ScanResultInfo: THREATS_FOUND or
NO_THREATS_FOUND), on its COMPLETED or COMPLETED_WITH_ISSUES event. A copy is "of" a recovery
point when a chain that starts from that recovery point landed it (the chain ledger indexes
chains by the recovery point they start from, as `status --recovery-point` reads them). A copy
made before the relay, or by a plan's own copy rule from a member's original recovery point, is
not linked: the ledger records no chain for it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Protocol

from backup_relay.domain.chain import HopRecord
from backup_relay.domain.jobs import JobKind, JobState
from backup_relay.status.ports import JobStates

#: The scan states whose event carries a result (AWS's examples: COMPLETED, COMPLETED_WITH_ISSUES).
SCAN_RESULT_STATES = (JobState.COMPLETED, JobState.COMPLETED_WITH_ISSUES)


class ChainCopies(Protocol):
    """What the chain ledger knows of a recovery point's copies (the chain ledger adapter)."""

    def chains_of(self, recovery_point_arn: str) -> list[str]:
        """The ids of the chains that copy this recovery point on."""
        ...

    def hops_of(self, chain_id: str) -> Iterable[HopRecord]:
        """Every hop the chain recorded."""
        ...


def copies_of(chains: ChainCopies | None, recovery_point_arn: str) -> list[str]:
    """The recovery points the chains made from `recovery_point_arn`: each hop's copy that
    landed, chain by chain, in hop order."""
    if chains is None:
        return []
    return [
        hop.destination_recovery_point_arn
        for chain_id in sorted(chains.chains_of(recovery_point_arn))
        for hop in sorted(chains.hops_of(chain_id), key=lambda hop: hop.index)
        if hop.destination_recovery_point_arn
    ]


def threatened(jobs: JobStates, chains: ChainCopies | None, since: datetime) -> dict[str, str]:
    """Every recovery point a scan since `since` found threats in, and every copy the chains
    made of one, mapped to the recovery point the scan found them in."""
    found: dict[str, str] = {}
    for state in SCAN_RESULT_STATES:
        for scan in jobs.jobs_in_state(JobKind.SCAN, state, since):
            point = scan.source_recovery_point_arn
            if scan.found_threats and point:
                for arn in (point, *copies_of(chains, point)):
                    found.setdefault(arn, point)
    return found
