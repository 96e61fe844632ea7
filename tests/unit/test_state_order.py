"""The ledger never moves backwards: which state may follow which, for jobs and for hops."""

from __future__ import annotations

import pytest

from backup_relay.domain.chain import LedgerState, hop_may_become
from backup_relay.domain.jobs import FINAL_STATES, JobState, moves_job_forward

J, H = JobState, LedgerState


@pytest.mark.parametrize(
    ("current", "new", "moves"),
    [
        (None, J.RUNNING, True),  # the first event of a job we never saw
        (J.CREATED, J.PENDING, True),
        (J.PENDING, J.RUNNING, True),
        (J.RUNNING, J.ABORTING, True),
        (J.ABORTING, J.ABORTED, True),
        (J.RUNNING, J.COMPLETED, True),
        (J.RUNNING, J.RUNNING, False),  # a duplicate tells nothing new
        (J.COMPLETED, J.RUNNING, False),  # a late RUNNING after its COMPLETED
        (J.RUNNING, J.CREATED, False),
        (J.ABORTING, J.RUNNING, False),
        (J.COMPLETED, J.FAILED, False),  # nothing follows a final state
        (J.FAILED, J.COMPLETED, False),
    ],
)
def test_a_job_only_moves_to_a_later_state(
    current: JobState | None, new: JobState, moves: bool
) -> None:
    assert moves_job_forward(current, new) is moves


@pytest.mark.parametrize("final", sorted(FINAL_STATES))
def test_nothing_follows_a_final_job_state(final: JobState) -> None:
    assert not any(moves_job_forward(final, new) for new in JobState)


@pytest.mark.parametrize(
    ("current", "new", "may"),
    [
        (None, H.STARTING, True),
        (H.STARTING, H.STARTED, True),
        (H.STARTED, H.RUNNING, True),
        (H.RUNNING, H.RUNNING, True),  # a wait registered again after a poll
        (H.RUNNING, H.COMPLETED, True),
        (H.RUNNING, H.FAILED, True),
        (H.STARTED, H.REPLANNED, True),
        (H.RUNNING, H.STARTED, False),  # a retried step cannot undo a later state
        (H.COMPLETED, H.RUNNING, False),
        (H.COMPLETED, H.FAILED, False),
        (H.FAILED, H.STARTING, False),
        (H.REPLANNED, H.STARTING, True),  # the new plan's first hop takes the index over
        (H.REPLANNED, H.RUNNING, False),
        (H.REPLANNED, H.COMPLETED, False),
    ],
)
def test_a_hop_record_only_moves_forward(
    current: LedgerState | None, new: LedgerState, may: bool
) -> None:
    assert hop_may_become(current, new) is may
