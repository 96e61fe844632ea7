"""Replay waits for the fix: the probe of each failure's cause runs first; a cause it confirms
is still there skips the replay (listed with the finding) unless forced."""

from __future__ import annotations

import pytest

from backup_relay.doctor.probe import Probe
from backup_relay.domain.jobs import JobState
from backup_relay.domain.proof import ProbeSubject, Proof, Verdict
from backup_relay.replay.failed_copies import Replay, ReplayRequest
from backup_relay.replay.report import ReplayOutcome
from tests.support.fakes import FakeCentralCopyJobs, FakeMemberCopies, MemoryReplayLedger
from tests.support.probe_fakes import MemoryProbeReads, Scope, key_policy
from tests.support.world import CENTRAL, CENTRAL_HOME, DR, MEMBER, World, copy_event

pytestmark = pytest.mark.unit

KMS = "The source snapshot KMS key does not exist, is not enabled or you do not have permissions"
POINT = copy_event().source_recovery_point_arn or ""
KEY = f"arn:aws:kms:us-west-2:{MEMBER}:key/1111"
ROLE = f"arn:aws:iam::{MEMBER}:role/service-role/AWSBackupDefaultServiceRole"


def _replay(reads: MemoryProbeReads) -> tuple[Replay, FakeMemberCopies]:
    """A member's copy into the central vault that failed: its key was not shared."""
    world, jobs, members = World(), MemoryReplayLedger(), FakeMemberCopies()
    jobs.add(copy_event(state=JobState.FAILED, status_message=KMS, iam_role_arn=ROLE))
    replay = Replay(
        central_vault_name=CENTRAL_HOME.name,
        central_account=CENTRAL,
        chains=world.ledger,
        jobs=jobs,
        member_copies=members,
        workflow=world.workflow,
        central_copies=FakeCentralCopyJobs(),
        regions=(CENTRAL_HOME.region, DR.region),
        now=world.clock,
        probe=Probe(reads, Scope()),
    )
    return replay, members


def _key(*users: str) -> MemoryProbeReads:
    return MemoryProbeReads(
        keys={KEY: (False, "Enabled", key_policy(MEMBER, *users))}, points={POINT: KEY}
    )


def test_a_failure_whose_cause_is_still_there_is_skipped_with_the_probes_finding() -> None:
    # GIVEN the key is still not shared with the central account
    replay, members = _replay(_key())
    # WHEN replayed, twice (a loop of replays)
    first, second = replay(ReplayRequest()), replay(ReplayRequest())
    # THEN neither starts a copy: each lists the failure, skipped, with the probe's finding
    assert members.started == []
    for report in (first, second):
        [item] = report.items
        assert item.outcome is ReplayOutcome.SKIPPED
        assert item.proof.startswith("confirmed: 1 Aurora recovery point(s)")
        assert item.why.startswith("its cause is still there (confirmed: ")
        assert item.why.endswith("): fix it, or --force")


def test_force_replays_it_anyway_still_showing_the_finding() -> None:
    # GIVEN the cause still there WHEN replayed with --force
    replay, members = _replay(_key())
    [item] = replay(ReplayRequest(force=True)).items
    # THEN the copy starts, and the item keeps the probe's finding
    assert item.outcome is ReplayOutcome.REPLAYED
    assert item.proof.startswith("confirmed: ")
    assert len(members.started) == 1


def test_once_the_cause_is_fixed_the_failure_is_replayed() -> None:
    # GIVEN the key now shared with the central account
    replay, members = _replay(_key(CENTRAL))
    # WHEN replayed
    [item] = replay(ReplayRequest()).items
    # THEN it is, and the probe says its cause is gone
    assert item.outcome is ReplayOutcome.REPLAYED
    assert item.proof.startswith("contradicted: key ")
    assert len(members.started) == 1


def test_a_dry_run_shows_the_cause_and_the_probe_of_each_failure() -> None:
    # GIVEN the cause still there WHEN dry-run, then dry-run forced
    replay, members = _replay(_key())
    [waits] = replay(ReplayRequest(dry_run=True)).items
    [forced] = replay(ReplayRequest(dry_run=True, force=True)).items
    # THEN the first says it would be skipped and why, the second that it would replay; both
    # with the diagnosis and the probe's line; nothing started
    assert (waits.outcome, waits.category) == (ReplayOutcome.SKIPPED, "kms_key_not_shared")
    assert waits.proof.startswith("confirmed: ")
    assert forced.outcome is ReplayOutcome.WOULD_REPLAY
    assert forced.proof == waits.proof
    assert members.started == []


def test_a_probe_that_cannot_check_does_not_hold_the_replay_back() -> None:
    # GIVEN the member's DoctorRole may not read the key
    reads = _key()
    reads.denied = {"key"}
    replay, members = _replay(reads)
    # WHEN replayed THEN it is, saying what could not be checked
    [item] = replay(ReplayRequest()).items
    assert item.outcome is ReplayOutcome.REPLAYED
    assert len(members.started) == 1
    assert item.proof.startswith("could not check: AccessDenied reading key")


def test_the_cli_prints_each_jobs_probe_under_the_table() -> None:
    # GIVEN a dry run that skipped a failure whose cause is confirmed
    from backup_relay_cli.render import render_replay

    replay, _ = _replay(_key())
    report = replay(ReplayRequest(dry_run=True))
    # WHEN the CLI renders it
    text = render_replay(report, dry_run=True)
    # THEN the table says skipped and the diagnosis, and the probe's line follows, by job
    assert "kms_key_not_shared" in text
    assert "the probe of each cause (docs/alerts.md#proof):" in text
    assert "  copy-1  confirmed: 1 Aurora recovery point(s)" in text


# ---- one run probes each cause once, within a budget ------------------------------------------

CROSS = "Copy job failed. Cross-account copy feature is not enabled for the current organization."


def test_one_run_probes_a_cause_shared_by_many_failures_once() -> None:
    # GIVEN two member copies that failed on one cause (cross-account backup off), each of its
    # own recovery point
    reads = MemoryProbeReads(cross_account=False)
    replay, members = _replay(reads)
    for n in (2, 3):
        failed = copy_event(
            job_id=f"copy-{n}",
            state=JobState.FAILED,
            status_message=CROSS,
            source_recovery_point_arn=f"{POINT}-{n}",
            iam_role_arn=ROLE,
        )
        replay.jobs.add(failed)  # type: ignore[attr-defined]
    # WHEN replayed
    items = replay(ReplayRequest(category="cross_account_disabled")).items
    # THEN the setting is read once, and both are skipped with that one finding
    assert reads.calls.count("cross_account_backup") == 1
    assert [i.outcome for i in items] == [ReplayOutcome.SKIPPED] * 2
    assert {i.proof for i in items} == {items[0].proof}
    assert items[0].proof.startswith("confirmed: ")
    assert members.started == []
    # AND the next run probes again (the answers live as long as one run)
    replay(ReplayRequest(category="cross_account_disabled"))
    assert reads.calls.count("cross_account_backup") == 2


def test_past_the_runs_budget_the_rest_could_not_be_checked_and_are_not_held_back() -> None:
    # GIVEN a run whose probing budget (10 s) the first probe spends
    from backup_relay.domain.proof import subject_for
    from backup_relay.replay.waits import ProbeRun, still_broken

    now = [0.0]
    reads = MemoryProbeReads(cross_account=False)
    probe = Probe(reads, Scope())

    def slow(subject: ProbeSubject) -> Proof:
        now[0] += 11.0
        return probe(subject)

    run = ProbeRun(slow, budget_seconds=10.0, clock=lambda: now[0])
    where = {"account": MEMBER, "region": DR.region, "destination_vault_arn": CENTRAL_HOME.arn}
    first = subject_for("cross_account_disabled", "COPY", where)
    other = subject_for("vault_access_policy", "COPY", where)
    assert first is not None
    assert other is not None
    # WHEN two causes are probed, then the first again
    confirmed, spent, again = run(first), run(other), run(first)
    # THEN the first ran; the second could not be checked, and its replay is not held back;
    # the first's answer is the run's (no new read)
    assert confirmed.verdict is Verdict.CONFIRMED
    assert spent.line == "could not check: replay's probe budget spent (10 s a run)"
    assert still_broken(run, other, force=False) == (spent.line, None)
    assert again.verdict is Verdict.CONFIRMED
    assert reads.calls == ["cross_account_backup"]


def test_failures_of_different_causes_are_each_probed() -> None:
    # GIVEN one vault's policy, for two source accounts
    from backup_relay.domain.proof import subject_for

    def subject(account: str) -> ProbeSubject:
        where = {"account": account, "region": DR.region, "destination_vault_arn": DR.arn}
        found = subject_for("vault_access_policy", "COPY", where | {"recovery_point_arn": account})
        assert found is not None
        return found

    # THEN one account is one cause whatever its recovery point; two accounts are two
    assert (
        subject(MEMBER).cause
        == subject(MEMBER).model_copy(update={"recovery_point_arn": "other"}).cause
    )
    assert subject(MEMBER).cause != subject(CENTRAL).cause
