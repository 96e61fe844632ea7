"""Faults on demand: throttled StartCopyJob, lost and duplicated events, delayed completion."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from botocore.exceptions import ClientError

from backup_relay_sandbox.backup_sim import EmittedEvent, Faults, Simulator, reset
from tests.support.simulator import MEMBER, Api, EventTap, StartCopy, Topology


def _outcomes(start_copy: StartCopy, point: str, calls: int) -> list[str]:
    outcomes = []
    for _ in range(calls):
        try:
            start_copy(point)
            outcomes.append("ok")
        except ClientError as error:
            outcomes.append(error.response["Error"]["Code"])
    return outcomes


def test_a_share_of_start_copy_job_calls_is_throttled_deterministically(
    topology: Topology, start_copy: StartCopy
) -> None:
    # GIVEN faults throttling 30% of StartCopyJob calls, seeded
    topology.sim.faults = Faults.exact(seed=7, throttle_share=0.3)
    point = topology.recovery_point(topology.resource("RDS"))

    # WHEN the member calls it 40 times
    outcomes = _outcomes(start_copy, point, 40)

    # THEN about 30% were rejected as AWS throttles ("Rate exceeded"), the rest created jobs
    throttled = outcomes.count("ThrottlingException")
    assert 6 <= throttled <= 18
    assert outcomes.count("ok") == len(topology.sim.copy_jobs) == 40 - throttled

    # AND the same seed throttles the same calls again
    topology.sim.faults = Faults.exact(seed=7, throttle_share=0.3)
    assert _outcomes(start_copy, point, 40) == outcomes


def test_chosen_calls_are_rejected_with_the_chosen_error(
    topology: Topology, start_copy: StartCopy
) -> None:
    # GIVEN faults rejecting the 2nd and 3rd calls with LimitExceededException
    topology.sim.faults = Faults.exact(
        throttle_calls={2, 3}, throttle_error="LimitExceededException"
    )
    point = topology.recovery_point(topology.resource("RDS"))

    # WHEN the member calls StartCopyJob four times
    outcomes = _outcomes(start_copy, point, 4)

    # THEN exactly those calls failed
    assert outcomes == ["ok", "LimitExceededException", "LimitExceededException", "ok"]
    topology.sim.faults = Faults.exact(throttle_calls={1})
    with pytest.raises(ClientError, match="Rate exceeded"):
        start_copy(point)


@pytest.mark.exact_delivery  # it reads the job's other events in order, once each
def test_chosen_events_are_lost(topology: Topology, start_copy: StartCopy, tap: EventTap) -> None:
    # GIVEN a copy whose RUNNING event will be lost
    job_id = start_copy(topology.recovery_point(topology.resource("RDS")))
    topology.sim.faults.lose.add((job_id, "RUNNING"))

    # WHEN it runs to completion
    topology.sim.run_until_idle()

    # THEN the buses never saw that event; the simulator records it as lost
    assert [e["detail"]["state"] for e in tap.drain()] == ["CREATED", "COMPLETED"]
    assert [(lost.job_id, lost.state) for lost in topology.sim.lost] == [(job_id, "RUNNING")]


def test_a_share_of_events_is_lost(
    topology: Topology, start_copy: StartCopy, tap: EventTap
) -> None:
    # GIVEN faults losing every event
    topology.sim.faults = Faults.exact(lose_share=1.0)

    # WHEN a copy runs
    start_copy(topology.recovery_point(topology.resource("EFS")))
    topology.sim.run_until_idle()

    # THEN nothing was delivered
    assert tap.drain() == []
    assert len(topology.sim.lost) == 3


def test_events_are_duplicated(topology: Topology, start_copy: StartCopy, tap: EventTap) -> None:
    # GIVEN faults delivering every COMPLETED event twice
    topology.sim.faults.duplicate.add(("*", "COMPLETED"))

    # WHEN a copy runs
    start_copy(topology.recovery_point(topology.resource("EFS")))
    topology.sim.run_until_idle()

    # THEN its COMPLETED event arrived twice, the same event (same id)
    completed = [e for e in tap.drain() if e["detail"]["state"] == "COMPLETED"]
    assert len(completed) == 2
    assert completed[0] == completed[1]


def test_delayed_completion(
    api: Api, topology: Topology, start_copy: StartCopy, tap: EventTap
) -> None:
    # GIVEN a running copy that will take 3 hours instead of 20 minutes
    job_id = start_copy(topology.recovery_point(topology.resource("RDS")))
    topology.sim.advance(timedelta(minutes=5))
    topology.sim.delay_completion(job_id, timedelta(hours=3))

    # WHEN an hour passes, then three more
    topology.sim.advance(timedelta(hours=1))
    state_after_an_hour = api(MEMBER).describe_copy_job(CopyJobId=job_id)["CopyJob"]["State"]
    topology.sim.advance(timedelta(hours=3))

    # THEN it was still RUNNING after the hour and COMPLETED 3 hours after it started running
    assert state_after_an_hour == "RUNNING"
    completed = tap.drain()[-1]
    assert (completed["detail"]["state"], completed["time"]) == (
        "COMPLETED",
        "2026-11-22T01:01:00Z",
    )


def test_reset_gives_a_fresh_seeded_simulator(sim: Simulator) -> None:
    # GIVEN a simulator with faults set
    sim.faults.lose_share = 1.0

    # WHEN it is reset with a seed
    fresh = reset(seed=3)

    # THEN the new one has default faults and reproducible ids
    assert fresh is not sim
    assert fresh.faults.lose_share == 0.0
    assert fresh.ids.uuid() == reset(seed=3).ids.uuid()


def _copy_events(topology: Topology, start_copy: StartCopy, copies: int = 4) -> list[EmittedEvent]:
    """Run `copies` copy jobs to the end; every delivery, in the order it happened."""
    for _ in range(copies):
        start_copy(topology.recovery_point(topology.resource("EFS")))
    topology.sim.run_until_idle()
    return [e for e in topology.sim.emitted if e.kind == "COPY"]


def _changed_at(delivered: EmittedEvent) -> datetime:
    return datetime.fromisoformat(delivered.event["time"])


def test_events_come_late_but_keep_the_time_of_their_change(
    topology: Topology, start_copy: StartCopy
) -> None:
    # GIVEN faults delaying every event by up to 30 minutes
    topology.sim.faults = Faults.exact(seed=5, delay_share=1.0, max_delay=timedelta(minutes=30))
    # WHEN copies run
    delivered = _copy_events(topology, start_copy)
    # THEN each event reached the buses after its change, within the delay, its time unchanged
    lags = [(e.delivered_at or _changed_at(e)) - _changed_at(e) for e in delivered]
    assert len(delivered) == 12
    assert all(timedelta(0) <= lag <= timedelta(minutes=30, seconds=1) for lag in lags)
    assert sum(lag > timedelta(minutes=1) for lag in lags) >= 6


def test_events_come_in_batches_every_five_minutes(
    topology: Topology, start_copy: StartCopy
) -> None:
    # GIVEN faults batching deliveries as AWS does ("every 5 minutes")
    topology.sim.faults = Faults.exact(batch_every=timedelta(minutes=5))
    # WHEN copies run
    delivered = _copy_events(topology, start_copy)
    # THEN every delivery happened on a 5-minute boundary, several events at once
    moments = [e.delivered_at for e in delivered]
    assert all(m is not None and m.minute % 5 == 0 and m.second == 0 for m in moments)
    assert max(moments.count(m) for m in moments) >= 4


def test_a_running_event_can_come_after_its_completed(
    topology: Topology, start_copy: StartCopy, tap: EventTap
) -> None:
    # GIVEN faults holding back every non-final event until the job's next one
    topology.sim.faults = Faults.exact(reorder_share=1.0)
    # WHEN a copy runs
    start_copy(topology.recovery_point(topology.resource("EFS")))
    topology.sim.run_until_idle()
    # THEN the buses saw COMPLETED first, then the CREATED and RUNNING that were held back
    assert [e["detail"]["state"] for e in tap.drain()] == ["COMPLETED", "CREATED", "RUNNING"]


def test_a_duplicate_can_come_hours_later(topology: Topology, start_copy: StartCopy) -> None:
    # GIVEN faults delivering every event again 30 minutes to 2 hours later
    topology.sim.faults = Faults.exact(
        seed=2,
        late_duplicate_share=1.0,
        late_duplicate_after=(timedelta(minutes=30), timedelta(hours=2)),
    )
    # WHEN copies run
    delivered = _copy_events(topology, start_copy)
    # THEN each event came twice, the same event, the second far after the first
    by_id: dict[str, list[EmittedEvent]] = {}
    for e in delivered:
        by_id.setdefault(e.event["id"], []).append(e)
    assert len(by_id) == 12
    for first, second in by_id.values():
        assert first.event == second.event
        assert first.delivered_at is not None
        assert second.delivered_at is not None
        gap = second.delivered_at - first.delivered_at
        assert timedelta(minutes=30) <= gap <= timedelta(hours=2)


def test_timing_faults_replay_identically_from_their_seed() -> None:
    # GIVEN two fault sets from the same seed, every timing fault on
    def draws(seed: int) -> list[object]:
        faults = Faults.exact(
            seed=seed,
            delay_share=0.5,
            batch_every=timedelta(minutes=5),
            reorder_share=0.3,
            late_duplicate_share=0.3,
        )
        now = datetime(2026, 11, 21, 22, 0, tzinfo=UTC)
        return [
            faults.timing("job", "RUNNING", now + timedelta(minutes=i), final=i % 3 == 0)
            for i in range(50)
        ]

    # WHEN each draws the timing of 50 events THEN they agree, and another seed does not
    assert draws(11) == draws(11)
    assert draws(11) != draws(12)


def test_delivery_is_best_effort_unless_a_test_opts_out(
    topology: Topology, start_copy: StartCopy
) -> None:
    # GIVEN the simulator as a test finds it, without the exact_delivery marker
    # WHEN copies run
    delivered = _copy_events(topology, start_copy)

    # THEN events reached the buses as AWS's best effort does: in 5-minute batches, some
    # twice, some out of their job's order
    moments = [e.delivered_at for e in delivered]
    assert all(m is not None and m.minute % 5 == 0 and m.second == 0 for m in moments)
    ids = [e.event["id"] for e in delivered]
    assert len(ids) > len(set(ids))
    per_job: dict[str, list[str]] = {}
    for event in delivered:
        per_job.setdefault(event.job_id, []).append(event.state)
    assert any(states.index("COMPLETED") < len(states) - 1 for states in per_job.values())


@pytest.mark.exact_delivery
def test_a_test_marked_exact_delivery_gets_each_event_once_in_order(
    topology: Topology, start_copy: StartCopy
) -> None:
    # GIVEN a test that opted out of best-effort delivery
    # WHEN copies run
    delivered = _copy_events(topology, start_copy)

    # THEN each event came once, at its change, in its job's order
    assert len({e.event["id"] for e in delivered}) == len(delivered)
    assert all(e.delivered_at == _changed_at(e) for e in delivered)
    assert not topology.sim.faults.timing_faults
