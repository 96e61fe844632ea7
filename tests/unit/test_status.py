"""`status`: the night at a glance, its failures (members' copies and backups too), chains named
by their resource, filters; and `coverage`'s reasons. In-memory ports, the use case's clock."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from backup_relay.copy_chain.decisions import chain_for_event
from backup_relay.coverage.resources import Coverage
from backup_relay.domain.chain import CurrentHop, HopError, LedgerState
from backup_relay.domain.jobs import JobEvent, JobKind, JobState
from backup_relay.settings import ReconcileSettings
from backup_relay.status.chains import StaleResource, Status, StatusReport
from backup_relay.status.views import Filters
from backup_relay_cli.main import main
from backup_relay_cli.render import render_coverage, render_status
from tests.support.fakes import MemoryReplayLedger
from tests.support.world import (
    AWS_QUOTAS,
    CENTRAL,
    CENTRAL_HOME,
    DR,
    LANDED_RP,
    MEMBER,
    NOW,
    World,
    copy_event,
    settings,
)

pytestmark = pytest.mark.unit

CHAIN = settings(ReconcileSettings).routes
KMS = "The source snapshot KMS key does not exist, is not enabled or you do not have permissions"
ORDERS = copy_event().resource_arn or ""  # a member's Aurora cluster "orders"


@pytest.fixture
def world() -> World:
    return World()


def failed_member_copy(
    job_id: str = "failed-1", at: datetime = NOW - timedelta(hours=2)
) -> JobEvent:
    """The member's Aurora copy into the central vault, FAILED: its key is not shared."""
    return copy_event(
        job_id=job_id,
        state=JobState.FAILED,
        status_message=KMS,
        time=at,
        destination_recovery_point_arn=None,
        iam_role_arn="arn:aws:iam::222222222222:role/backup",
    )


def backup(resource: str, at: datetime, job_id: str | None = None, **changes: object) -> JobEvent:
    return copy_event(
        kind=JobKind.BACKUP, job_id=job_id or f"backup-{at.isoformat()}", time=at,
        resource_arn=resource, **changes,
    )  # fmt: skip


def night(world: World, jobs: MemoryReplayLedger, **filters: str) -> StatusReport:
    status = Status(world.ledger, jobs, now=world.clock, stale=lambda now: {})
    return status(world.now - timedelta(hours=24), filters=Filters(**filters))


def completed_chain(world: World, jobs: MemoryReplayLedger) -> str:
    """The member's COMPLETED copy into the central vault, and the chain that carried it to DR."""
    landed = copy_event(time=NOW - timedelta(hours=3))
    jobs.add(landed)
    chain = chain_for_event(landed, CHAIN, DR)
    assert chain is not None
    world.ledger.chain_started(chain)
    world.ledger.chain_ended(chain, LedgerState.COMPLETED, "")
    return chain.chain_id


def test_a_members_failed_copy_is_shown_and_the_night_is_not_all_well(world: World) -> None:
    # GIVEN a night whose only failure is a member's copy (not a chain: no chain started)
    jobs = MemoryReplayLedger()
    jobs.add(backup(ORDERS, NOW - timedelta(hours=3)))
    jobs.add(failed_member_copy())
    # WHEN status is asked for the last 24 h
    report = night(world, jobs)
    # THEN the summary counts it, does not say all is well, and says what to run
    summary = report.summary
    assert summary is not None
    assert summary.copies == {"FAILED": 1}
    assert summary.backups == {"COMPLETED": 1}
    assert (summary.all_well, summary.open_failures) == (False, 1)
    assert summary.open_by_category == {"kms_key_not_shared": 1}
    assert "backup-relay replay --category kms_key_not_shared --dry-run" in summary.actions
    assert f"backup-relay status --resource-arn {ORDERS}" in summary.actions
    # AND THEN its row names the account, the resource, its type, where it went, its diagnosis
    [failure] = report.failures
    assert (failure.account, failure.resource_name, failure.resource_type) == (
        MEMBER,
        "orders",
        "Aurora",
    )
    assert failure.destination == f"central ({CENTRAL}, us-west-2)"
    assert (failure.category, failure.open, failure.age_hours) == ("kms_key_not_shared", True, 2.0)
    assert failure.action == "backup-relay replay --job-id failed-1 --dry-run"
    printed = render_status(report)
    assert "NOT ALL WELL" in printed
    assert "orders" in printed
    assert MEMBER in printed


def test_a_replayed_member_copy_says_it_was_replayed_and_how_the_new_copy_stands(
    world: World,
) -> None:
    # GIVEN the failed member copy, replayed (the ledger's replay item) as a copy that COMPLETED
    jobs = MemoryReplayLedger()
    jobs.add(failed_member_copy())
    jobs.record_replay("failed-1", "NEW-1")
    # WHEN its new job has no event yet THEN it is replayed, and says so
    [failure] = night(world, jobs).failures
    assert failure.resolution == "replayed: job NEW-1, no event of it yet"
    jobs.add(copy_event(job_id="new-1", time=NOW - timedelta(hours=1)))  # ids: any case
    # WHEN status is asked again
    report = night(world, jobs)
    # THEN the failure is shown, made good by the replay, and the night is all well
    [failure] = report.failures
    assert (failure.open, failure.resolution) == (False, "replayed: job NEW-1, COMPLETED")
    assert (failure.replay_job_id, failure.replay_state, failure.action) == (
        "NEW-1",
        "COMPLETED",
        None,
    )
    assert report.summary is not None
    assert report.summary.all_well
    assert "replayed: job NEW-1, COMPLETED" in render_status(report)


def test_a_failed_backup_is_a_failure_until_a_later_backup_completes(world: World) -> None:
    # GIVEN a member's backup of orders that FAILED
    jobs = MemoryReplayLedger()
    jobs.add(backup(ORDERS, NOW - timedelta(hours=5), "b-1", state=JobState.FAILED))
    # WHEN status is asked THEN the failed backup is an open failure, with what to run
    [failure] = night(world, jobs).failures
    assert (failure.kind, failure.open, failure.resource_name) == ("BACKUP", True, "orders")
    assert failure.action == f"backup-relay status --resource-arn {ORDERS}"
    # WHEN a later backup of it completes THEN it is made good by it
    jobs.add(backup(ORDERS, NOW - timedelta(hours=1), "b-2"))
    [failure] = night(world, jobs).failures
    assert failure.resolution == "backed up since: job b-2"


def test_chain_rows_name_their_resource_and_account(world: World) -> None:
    # GIVEN a chain that carried the member's Aurora "orders" on to DR
    jobs = MemoryReplayLedger()
    chain_id = completed_chain(world, jobs)
    # WHEN status is asked
    report = night(world, jobs)
    # THEN its row names the resource and its account, not only its chain id and type
    [chain] = report.chains
    assert (chain.chain_id, chain.account, chain.resource_name, chain.resource_arn) == (
        chain_id,
        MEMBER,
        "orders",
        ORDERS,
    )
    assert chain.origin_recovery_point_arn == LANDED_RP
    assert report.summary is not None
    assert report.summary.chains == {"COMPLETED": 1}
    assert "orders" in render_status(report)


def test_a_failed_chain_is_a_failure_named_by_its_resource(world: World) -> None:
    # GIVEN a chain whose hop to DR failed (no copy job event: StartCopyJob refused it)
    jobs = MemoryReplayLedger()
    landed = copy_event(time=NOW - timedelta(hours=3))
    jobs.add(landed)
    chain = chain_for_event(landed, CHAIN, DR)
    assert chain is not None
    world.ledger.chain_started(chain)
    world.ledger.chain_ended(chain, LedgerState.FAILED, KMS)
    # WHEN status is asked
    report = night(world, jobs)
    # THEN the failed chain is an open failure with its resource, account and replay command
    [failure] = report.failures
    assert (failure.kind, failure.chain_id, failure.account, failure.resource_name) == (
        "CHAIN",
        chain.chain_id,
        MEMBER,
        "orders",
    )
    assert failure.action == f"backup-relay replay --chain-id {chain.chain_id} --dry-run"
    assert report.summary is not None
    assert not report.summary.all_well


@pytest.mark.parametrize(
    "filters",
    [
        {"resource_type": "aurora"},
        {"account": MEMBER},
        {"resource": "ORDERS"},
        {"resource": ORDERS.upper()},
        {"state": "failed"},
    ],
)
def test_filters_are_case_insensitive_and_narrow_failures_and_chains(
    world: World, filters: dict[str, str]
) -> None:
    # GIVEN a failed member copy of orders, a chain of orders, and an ABORTED copy of another
    # account's RDS
    jobs = MemoryReplayLedger()
    completed_chain(world, jobs)
    jobs.add(failed_member_copy())
    other = f"arn:aws:rds:us-west-2:{CENTRAL}:db:billing"
    jobs.add(failed_member_copy("failed-2").model_copy(
        update={"resource_arn": other, "resource_type": "RDS", "account": CENTRAL,
                "state": JobState.ABORTED}
    ))  # fmt: skip
    # WHEN status is narrowed, in any case
    report = night(world, jobs, **filters)
    # THEN only orders' failure is shown (and its chain, unless the state is FAILED)
    assert [f.resource_name for f in report.failures] == ["orders"]
    expected = [] if "state" in filters else ["orders"]
    assert [c.resource_name for c in report.chains] == expected


def test_no_filter_matches_nothing_silently(world: World) -> None:
    # GIVEN a failed member copy WHEN filtered on a type it is not THEN nothing, and all well
    jobs = MemoryReplayLedger()
    jobs.add(failed_member_copy())
    report = night(world, jobs, resource_type="EBS")
    assert report.failures == []
    assert report.summary is not None
    assert report.summary.all_well


def test_ages_follow_the_use_cases_clock_and_are_never_negative(world: World) -> None:
    # GIVEN a failure stamped an hour after the clock's now (a clock behind AWS's)
    jobs = MemoryReplayLedger()
    jobs.add(failed_member_copy(at=NOW + timedelta(hours=1)))
    # WHEN status is asked THEN its age is 0, not negative
    status = Status(world.ledger, jobs, now=world.clock)
    [failure] = status(NOW - timedelta(hours=24)).failures
    assert failure.age_hours == 0.0
    # WHEN the clock moves on 30 h THEN the age follows it
    world.advance(timedelta(hours=30))
    [failure] = status(NOW - timedelta(hours=24)).failures
    assert failure.age_hours == 29.0
    assert failure.action == "backup-relay replay --job-id failed-1 --since 30h --dry-run"


def test_the_summary_counts_stale_resources_and_says_to_run_coverage(world: World) -> None:
    # GIVEN coverage calls orders stale, and no job failed
    jobs = MemoryReplayLedger()
    status = Status(
        world.ledger, jobs, now=world.clock, stale=lambda now: {ORDERS: StaleResource("Aurora")}
    )
    # WHEN status is asked THEN it is not all well, and says to run coverage
    summary = status(NOW - timedelta(hours=24)).summary
    assert summary is not None
    assert (summary.all_well, summary.stale_resources) == (False, [ORDERS])
    assert summary.actions == ["backup-relay coverage"]
    # AND narrowed to another type THEN orders is not counted
    narrowed = status(NOW - timedelta(hours=24), filters=Filters(resource_type="rds")).summary
    assert narrowed is not None
    assert narrowed.stale_resources == []
    # AND without a coverage check THEN it says it did not check
    jobs.add(backup(ORDERS, NOW - timedelta(hours=3)))
    unchecked = Status(world.ledger, jobs, now=world.clock)(NOW - timedelta(hours=24)).summary
    assert unchecked is not None
    assert unchecked.stale_resources is None
    assert "coverage not checked" in unchecked.verdict


# ---- coverage says why --------------------------------------------------------------------


def coverage_of(jobs: MemoryReplayLedger, world: World) -> Coverage:
    return Coverage(
        jobs=jobs, dr_vault_arn=DR.arn, chained_types=frozenset({"Aurora"}), now=world.clock
    )


def test_a_young_resource_whose_copy_failed_says_why_and_the_replay_command(world: World) -> None:
    # GIVEN orders first backed up 3 h ago, its copy into the central vault FAILED
    jobs = MemoryReplayLedger()
    jobs.add(backup(ORDERS, NOW - timedelta(hours=3)))
    jobs.add(failed_member_copy())
    # WHEN coverage is asked
    report = coverage_of(jobs, world)(timedelta(hours=26))
    # THEN it is stale for a reason: the failed copy, its diagnosis, the command that replays it
    [found] = report.resources
    assert (found.current, found.reason, found.failed_category) == (
        False,
        "copy failed",
        "kms_key_not_shared",
    )
    assert found.replay_command == "backup-relay replay --job-id failed-1"
    printed = render_coverage(report)
    assert "copy failed (kms_key_not_shared, job failed-1): backup-relay replay" in printed
    # AND the legend of pending prints only when something is pending; the first column is named
    assert "pending:" not in printed
    assert printed.splitlines()[0].startswith("state ")
    # WHEN the copy was replayed THEN it says so instead of the command
    jobs.record_replay("failed-1", "NEW-1")
    [found] = coverage_of(jobs, world)(timedelta(hours=26)).resources
    assert found.why == "copy failed (kms_key_not_shared, job failed-1); replayed as copy job NEW-1"


def test_coverage_reasons_no_copy_yet_and_copy_too_old(world: World) -> None:
    # GIVEN orders first backed up 2 h ago (no DR copy yet), and billing whose DR copy is 30 h old
    jobs = MemoryReplayLedger()
    jobs.add(backup(ORDERS, NOW - timedelta(hours=2)))
    billing = ORDERS.replace("orders", "billing")
    jobs.add(backup(billing, NOW - timedelta(hours=31)))
    jobs.add(copy_event(job_id="dr-1", account=CENTRAL, time=NOW - timedelta(hours=30),
                        resource_arn=billing, destination_vault_arn=DR.arn))  # fmt: skip
    # WHEN coverage is asked
    report = coverage_of(jobs, world)(timedelta(hours=26))
    # THEN billing's copy is too old; orders is pending, its copy not yet come; the legend prints
    reasons = {r.resource_arn: (r.current, r.pending, r.reason) for r in report.resources}
    assert reasons == {
        billing: (False, False, "copy too old"),
        ORDERS: (True, True, "no copy yet"),
    }
    assert "pending: first backed up less than 26 h ago" in render_coverage(report)
    # WHEN a day passes without a copy THEN orders is stale: no copy yet
    world.advance(timedelta(hours=25))
    [orders] = [r for r in coverage_of(jobs, world)(timedelta(hours=26)).resources
                if r.resource_arn == ORDERS]  # fmt: skip
    assert (orders.current, orders.reason) == (False, "no copy yet")


def test_a_copy_that_failed_before_the_newest_dr_copy_is_no_reason(world: World) -> None:
    # GIVEN a failed copy 20 h ago, then a DR copy 2 h ago
    jobs = MemoryReplayLedger()
    jobs.add(backup(ORDERS, NOW - timedelta(hours=21)))
    jobs.add(failed_member_copy(at=NOW - timedelta(hours=20)))
    jobs.add(copy_event(job_id="dr-1", account=CENTRAL, time=NOW - timedelta(hours=2),
                        destination_vault_arn=DR.arn))  # fmt: skip
    # WHEN coverage is asked THEN it is current, with no reason
    [found] = coverage_of(jobs, world)(timedelta(hours=26)).resources
    assert (found.current, found.reason) == (True, "")
    assert CENTRAL_HOME.arn != DR.arn


# ---- the command ----------------------------------------------------------------------------


def test_status_json_carries_the_summary_the_failures_and_the_chains(
    world: World, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from backup_relay import wiring
    from backup_relay_cli.commands import status as command

    # GIVEN a stack whose ledger holds a chain of orders and orders' failed member copy
    jobs = MemoryReplayLedger()
    completed_chain(world, jobs)
    jobs.add(failed_member_copy())
    monkeypatch.setattr(command, "stack_environment", lambda stack, region: {})
    monkeypatch.setattr(
        wiring,
        "status",
        lambda env: Status(world.ledger, jobs, now=world.clock, stale=lambda n: {}),
    )
    # WHEN status --json runs, narrowed to a type in another case
    since = (NOW - timedelta(hours=24)).isoformat()
    code = main(["status", "--json", "--resource-type", "AURORA", "--since", since])
    # THEN it exits 0 and prints the summary, the failures and the chains, with stable names
    printed = json.loads(capsys.readouterr().out)
    assert code == 0
    assert {"summary", "failures", "chains", "jobs"} <= set(printed)
    assert printed["summary"]["filters"] == {"resource-type": "Aurora"}  # canonical
    assert printed["summary"]["open_by_category"] == {"kms_key_not_shared": 1}
    [failure] = printed["failures"]
    assert (failure["account"], failure["resource_name"], failure["open"]) == (
        MEMBER,
        "orders",
        True,
    )
    [chain] = printed["chains"]
    assert (chain["account"], chain["resource_name"]) == (MEMBER, "orders")


def test_a_filter_that_matches_nothing_says_so(world: World) -> None:
    # GIVEN a night with orders' failed copy WHEN narrowed to an account that has nothing
    jobs = MemoryReplayLedger()
    jobs.add(failed_member_copy())
    printed = render_status(night(world, jobs, account="999999999999"))
    # THEN it says nothing matches, naming the filter
    assert "nothing in this window matches --account 999999999999" in printed


def test_coverage_json_carries_each_resources_reason(world: World) -> None:
    # GIVEN orders whose copy failed WHEN coverage is dumped as --json dumps it
    jobs = MemoryReplayLedger()
    jobs.add(backup(ORDERS, NOW - timedelta(hours=3)))
    jobs.add(failed_member_copy())
    [found] = coverage_of(jobs, world)(timedelta(hours=26)).model_dump()["resources"]
    # THEN its reason, diagnosis, command and sentence are fields
    assert found["reason"] == "copy failed"
    assert found["failed_category"] == "kms_key_not_shared"
    assert found["replay_command"] == "backup-relay replay --job-id failed-1"
    assert found["why"].startswith("copy failed (kms_key_not_shared, job failed-1)")


def test_the_docs_state_coverages_rule_with_the_failed_copy_condition() -> None:
    # GIVEN the operations guide's section on where copies stand
    text = (Path(__file__).parents[2] / "docs" / "operations.md").read_text()
    section = text.split("## Where copies stand", 1)[1].split("\n## ", 1)[0]
    rule = " ".join(section.split())
    # THEN it states each reason, and that a failed copy comes before pending
    for reason in ("**STALE, copy failed**", "**pending, no copy yet**", "**STALE, copy too old**"):
        assert reason in rule
    assert rule.index("copy failed") < rule.index("**pending, no copy yet**")
    assert "A young resource whose copy failed is stale at once" in rule


def test_a_chain_hops_failed_copy_shows_once_as_its_chains_then_replayed(world: World) -> None:
    # GIVEN a chain whose hop's copy job to DR FAILED (its event in the ledger too)
    jobs = MemoryReplayLedger()
    landed = copy_event(time=NOW - timedelta(hours=3))
    jobs.add(landed)
    chain = chain_for_event(landed, CHAIN, DR)
    assert chain is not None
    world.ledger.chain_started(chain)
    chain.current = CurrentHop(
        index=0, hop=chain.hops[0], recovery_point_arn=LANDED_RP, idempotency_token="t",
        wait_seconds=1, copy_job_id="hop-1",
    )  # fmt: skip
    world.ledger.hop(chain, LedgerState.FAILED)
    world.ledger.chain_ended(chain, LedgerState.FAILED, KMS)
    jobs.add(copy_event(
        job_id="HOP-1", account=CENTRAL, state=JobState.FAILED, status_message=KMS,
        time=NOW - timedelta(hours=2), source_recovery_point_arn=LANDED_RP,
        destination_vault_arn=DR.arn, destination_recovery_point_arn=None,
    ))  # fmt: skip
    # WHEN status is asked THEN the failed copy shows once, as its chain's, open, with its command
    [failure] = night(world, jobs).failures
    assert (failure.kind, failure.chain_id, failure.account, failure.open) == (
        "COPY", chain.chain_id, MEMBER, True,
    )  # fmt: skip
    assert failure.destination == f"dr ({CENTRAL}, us-east-1)"
    assert failure.action == f"backup-relay replay --chain-id {chain.chain_id} --dry-run"
    # WHEN replay runs the chain again as attempt 2
    retried = chain.model_copy(update={"attempt": 2, "current": None})
    assert world.ledger.chain_retried(retried, 0)
    # THEN the failure says it was replayed, and how the new attempt stands
    [failure] = night(world, jobs).failures
    assert (failure.open, failure.resolution) == (False, "replayed: chain attempt 2, RUNNING")
    # AND narrowed to FAILED THEN it is still matched to its (RUNNING, not shown) chain
    narrowed = night(world, jobs, state="FAILED")
    assert [f.resolution for f in narrowed.failures] == ["replayed: chain attempt 2, RUNNING"]
    assert narrowed.chains == []


def test_a_window_with_no_job_at_all_is_not_called_all_well(world: World) -> None:
    # GIVEN a ledger with nothing in the window WHEN status is asked
    summary = night(world, MemoryReplayLedger()).summary
    # THEN it does not say all is well: it says nothing was recorded, and what checks why
    assert summary is not None
    assert not summary.all_well
    assert summary.verdict.startswith("NOT ALL WELL: no backup, copy, restore or chain recorded")
    assert "backup-relay doctor" in summary.verdict


def test_a_dr_copy_stamped_ahead_of_the_clock_is_zero_hours_old_not_negative(
    world: World,
) -> None:
    # GIVEN orders' DR copy stamped 2 h after coverage's now (its clock behind AWS's)
    jobs = MemoryReplayLedger()
    jobs.add(backup(ORDERS, NOW - timedelta(hours=1)))
    jobs.add(copy_event(job_id="dr-1", account=CENTRAL, time=NOW + timedelta(hours=2),
                        destination_vault_arn=DR.arn))  # fmt: skip
    # WHEN coverage is asked THEN its copy is 0 h old and current
    [found] = coverage_of(jobs, world)(timedelta(hours=26)).resources
    assert (found.age_hours, found.current) == (0.0, True)


def test_a_failure_in_unknown_words_shows_awss_category_and_the_family_it_picked(
    world: World,
) -> None:
    # GIVEN a chain whose hop's copy job failed in words no entry knows, AWS's MessageCategory
    # KMSKeyError (kept on the hop's record), and a member copy whose event carries AccessDenied
    jobs = MemoryReplayLedger()
    landed = copy_event(time=NOW - timedelta(hours=3))
    jobs.add(landed)
    chain = chain_for_event(landed, CHAIN, DR)
    assert chain is not None
    world.ledger.chain_started(chain)
    steps = world.hop_steps()
    copying = steps.start_copy_job(steps.next_hop(chain, AWS_QUOTAS))
    assert copying.current is not None
    assert copying.current.copy_job_id is not None
    unheard = "Copy job failed. The destination answered in words nobody wrote down."
    world.copy_jobs.finish(
        copying.current.copy_job_id,
        JobState.FAILED,
        status_message=unheard,
        message_category="KMSKeyError",
    )
    steps.hop_failed(
        copying.model_copy(update={"error": HopError(error="CopyJobFailed", cause=unheard)})
    )
    member = failed_member_copy().model_copy(
        update={"status_message": unheard, "message_category": "AccessDenied"}
    )
    jobs.add(member)
    # WHEN status is asked
    report = night(world, jobs)
    # THEN each failure is diagnosed by the family AWS's category picked, and names that category
    # in --json (`message_category`) and in the table
    by_kind = {f.kind: f for f in report.failures}
    assert (by_kind["CHAIN"].category, by_kind["CHAIN"].message_category) == (
        "kms_key_not_shared",
        "KMSKeyError",
    )
    assert (by_kind["COPY"].category, by_kind["COPY"].message_category) == (
        "iam_role_permissions",
        "AccessDenied",
    )
    printed = json.loads(report.model_dump_json())
    assert {f["message_category"] for f in printed["failures"]} == {"KMSKeyError", "AccessDenied"}
    table = render_status(report)
    assert "kms_key_not_shared (AWS: KMSKeyError)" in table
    assert "iam_role_permissions (AWS: AccessDenied)" in table
