"""Several destinations per chained recovery point (issue #25 item 2): each destination is its
own chain (its own id, execution, slots, ledger records), all started by the same landed copy;
a destination the route table refuses starts nothing and is counted, without an alert."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from backup_relay.copy_chain.decisions import (
    WaitPolicy,
    chain_for_event,
    chains_for_event,
    intermediate_copies,
    next_hop,
)
from backup_relay.copy_chain.steps import HopSteps
from backup_relay.domain.chain import ChainState, HopError, LedgerState, chain_id_for
from backup_relay.domain.copy_jobs import CopyJobOutcome, RecoveryPoint
from backup_relay.domain.quotas import CLUSTER_SNAPSHOTS, FULLY_MANAGED, slot_for
from backup_relay.domain.route_table import Action, VaultType
from backup_relay.domain.routes import Vault
from backup_relay.replay.failed_copies import Replay, ReplayRequest
from backup_relay.settings import ChainStepsSettings
from backup_relay.status.chains import Status
from backup_relay_cli.render import render_status
from tests.support.fakes import FakeCentralCopyJobs, FakeMemberCopies, MemoryReplayLedger
from tests.support.world import (
    AWS_QUOTAS,
    CENTRAL,
    CENTRAL_DR_REGION,
    CENTRAL_HOME,
    DR,
    DR_REGION,
    HOME,
    LANDED_RP,
    MEMBER,
    World,
    copy_event,
    settings,
)

LAG_DR = Vault(account=CENTRAL, region=DR_REGION, name="lag")
LAG_HOME = Vault(account=CENTRAL, region=HOME, name="lag")
#: A LAG vault in the DR region, and one in the chain's own region (`home`).
TWO_LAGS = {"ADDITIONAL_DESTINATIONS": f"lag:{DR_REGION}:lag,lag:home:lag"}
WAITS = WaitPolicy(HOME, 3600)


@pytest.fixture
def world() -> World:
    return World()


def _routes(**env: str) -> ChainStepsSettings:
    return settings(ChainStepsSettings, **env)


def test_a_cluster_copy_goes_to_the_dr_vault_and_every_lag_vault_each_its_own_chain() -> None:
    # GIVEN AdditionalDestinations naming a LAG vault in the DR region and one at home
    routes = _routes(**TWO_LAGS).routes
    # WHEN a member's Aurora copy lands in the central vault
    plans = chains_for_event(copy_event(), routes)
    # THEN three chains start, the DR vault's first (then AdditionalDestinations, as the
    # settings sort them), each with its own id from the same origin
    assert [c.destination_vault_arn for c in plans.chains] == [DR.arn, LAG_HOME.arn, LAG_DR.arn]
    assert [c.chain_id for c in plans.chains] == [
        chain_id_for(LANDED_RP, vault.arn) for vault in (DR, LAG_HOME, LAG_DR)
    ]
    assert {c.origin_recovery_point_arn for c in plans.chains} == {LANDED_RP}
    assert plans.without_route == ()
    # AND each LAG chain is one copy straight into its vault, its hop typed so
    dr, lag_home, lag_dr = plans.chains
    assert [len(c.hops) for c in plans.chains] == [1, 1, 1]
    assert [h.destination_vault_type for h in lag_dr.hops + lag_home.hops] == [
        VaultType.LOGICALLY_AIR_GAPPED
    ] * 2
    assert dr.hops[0].destination_vault_type is VaultType.STANDARD
    # AND the one to the DR vault is the chain the single-destination API still returns
    assert chain_for_event(copy_event(), routes, DR) == dr


def test_an_rds_instance_gets_its_dr_copy_and_no_lag_chain_with_awss_reason() -> None:
    # GIVEN a LAG destination, and a member's RDS DB instance copy landed in the central vault
    routes = _routes(**TWO_LAGS).routes
    event = copy_event(resource_type="RDS", resource_arn=f"arn:aws:rds:{HOME}:{MEMBER}:db:orders")
    # WHEN its chains are planned
    plans = chains_for_event(event, routes)
    # THEN only the DR vault's chain starts; each LAG vault is refused with the route table's reason
    assert [c.destination_vault_arn for c in plans.chains] == [DR.arn]
    assert {r.destination.label for r in plans.without_route} == {
        f"lag:{DR_REGION}:lag",
        f"lag:{HOME}:lag",
    }
    assert all("does not take RDS" in r.reason for r in plans.without_route)


def test_a_copy_landed_in_the_dr_region_goes_to_its_lag_vault_but_not_to_dr_again() -> None:
    # GIVEN a member whose copy landed in the central vault of the DR region
    routes = _routes(**TWO_LAGS).routes
    event = copy_event(region=DR_REGION, destination_vault_arn=CENTRAL_DR_REGION.arn)
    # WHEN its chains are planned
    plans = chains_for_event(event, routes)
    # THEN the DR vault is skipped as today; the LAG vault of that region (named twice: as the DR
    # region's and as `home`, the region it landed in) gets one chain, in the same region
    [chain] = plans.chains
    assert chain.destination_vault_arn == LAG_DR.arn
    assert chain.hops[0].kind == "same-account"


def test_a_lag_destination_outside_the_vaults_retention_range_starts_nothing() -> None:
    # GIVEN DrRetentionDays 0 (kept for ever), longer than any LAG vault keeps a copy
    routes = _routes(DR_DELETE_AFTER_DAYS="0", **TWO_LAGS).routes
    # WHEN an Aurora copy lands THEN the DR chain starts, and the LAG vaults are refused, saying why
    plans = chains_for_event(copy_event(), routes)
    assert [c.destination_vault_arn for c in plans.chains] == [DR.arn]
    assert all("no expiry" in r.reason for r in plans.without_route)


def test_the_trigger_starts_every_destination_once_and_counts_the_refused_once(
    world: World,
) -> None:
    # GIVEN a LAG destination in the DR region, and an RDS copy landed in the central vault
    event = world.land(
        copy_event(resource_type="RDS", resource_arn=f"arn:aws:rds:{HOME}:{MEMBER}:db:x")
    )
    triggers = world.triggers(ADDITIONAL_DESTINATIONS=f"lag:{DR_REGION}:lag")
    # WHEN its event is delivered three times
    actions = [triggers.on_event(event) for _ in range(3)]
    # THEN the DR chain is started once, and the refused LAG vault counted once, no alert
    [started] = world.workflow.started
    assert started.destination_vault_arn == DR.arn
    assert actions[0][0] == f"started {started.chain_id}"
    assert actions[0][1].startswith(f"no route to lag:{DR_REGION}:lag: ")
    assert actions[1:] == [[], []]
    refused = [d for n, d in world.telemetry.seen if n == "destination_without_route"]
    assert [(t, label) for t, label, _ in refused] == [("RDS", f"lag:{DR_REGION}:lag")]
    assert world.alerts.ids() == []


def test_the_trigger_starts_an_execution_per_destination(world: World) -> None:
    # GIVEN two LAG destinations, and an Aurora copy landed in the central vault
    event = world.land(copy_event())
    # WHEN its event is delivered
    world.triggers(**TWO_LAGS).on_event(event)
    # THEN three executions run, each named after its own chain
    assert sorted(world.workflow.names) == sorted(
        chain_id_for(LANDED_RP, vault.arn) for vault in (DR, LAG_DR, LAG_HOME)
    )
    assert world.telemetry.names() == ["chain_started"] * 3


def test_reconcile_starts_the_missing_destination_of_a_recovery_point(world: World) -> None:
    # GIVEN an Aurora copy in the central vault whose DR chain runs, but whose LAG chain was lost
    world.land(copy_event(time=world.now - timedelta(hours=2)))
    routes = _routes(**TWO_LAGS).routes
    [dr_chain, *_] = chains_for_event(copy_event(), routes).chains
    world.ledger.chain_started(dr_chain)
    world.ledger.execution_started(dr_chain)
    # WHEN reconcile runs
    report = world.reconcile(**TWO_LAGS)()
    # THEN it starts the two LAG chains, and leaves the DR chain alone
    assert sorted(report.chains_started) == sorted(
        chain_id_for(LANDED_RP, vault.arn) for vault in (LAG_DR, LAG_HOME)
    )


@pytest.mark.parametrize(("resource_type", "cap"), [("Aurora", CLUSTER_SNAPSHOTS.cap), ("EBS", 20)])
def test_a_hop_into_a_lag_vault_is_capped_by_the_lag_vaults_quota_too(
    resource_type: str, cap: int
) -> None:
    # GIVEN AWS's quotas: Aurora's engine allows 5 copies at once, AWS Backup 100 for EBS, a LAG
    # vault 20 of either
    # WHEN a hop into a LAG vault takes its slot
    slot = slot_for(resource_type, CENTRAL, DR_REGION, 0, into_lag=True)
    standard = slot_for(resource_type, CENTRAL, DR_REGION, 0)
    # THEN it shares the slot of the type's copies into that region, with the lower cap
    assert slot.key == standard.key
    assert slot.cap == cap
    assert standard.cap == (
        CLUSTER_SNAPSHOTS.cap if resource_type == "Aurora" else FULLY_MANAGED.cap
    )


def test_next_hop_gives_a_lag_hop_its_capped_slot() -> None:
    plans = chains_for_event(copy_event(resource_type="Aurora"), _routes(**TWO_LAGS).routes)
    [lag] = [c for c in plans.chains if c.destination_vault_arn == LAG_DR.arn]
    opened = next_hop(lag, WAITS, 0)
    assert opened.current is not None
    assert opened.current.slot_cap == CLUSTER_SNAPSHOTS.cap
    assert opened.current.slot == slot_for("Aurora", CENTRAL, DR_REGION, 0).key


# ---- the origin's retention, shared by the destinations' chains ---------------------------------


def _complete(steps: HopSteps, chain: ChainState, landed_rp: str) -> ChainState:
    started = steps.start_copy_job(steps.next_hop(chain, AWS_QUOTAS))
    assert started.current is not None
    started.current.result = CopyJobOutcome(
        state="COMPLETED",
        copy_job_id=started.running_job_id(),
        destination_recovery_point_arn=landed_rp,
    )
    return steps.next_hop(started, AWS_QUOTAS)


def test_the_origin_is_shortened_only_once_every_destination_has_its_copy(world: World) -> None:
    # GIVEN IntermediateRetentionDays=3, an Aurora copy in the central vault made 1.5 days ago,
    # and its chains to the DR vault and a LAG vault, both recorded
    env = {"INTERMEDIATE_RETENTION_DAYS": "3", "ADDITIONAL_DESTINATIONS": f"lag:{DR_REGION}:lag"}
    steps = world.hop_steps(**env)
    created = world.now - timedelta(days=1.5)
    world.recovery_points.add(
        CENTRAL_HOME, RecoveryPoint(LANDED_RP, "Aurora", "COMPLETED", created, None)
    )
    dr, lag = chains_for_event(copy_event(), _routes(**env).routes).chains
    for chain in (dr, lag):
        world.ledger.chain_started(chain)
    # WHEN the DR chain completes THEN the origin keeps its retention: the LAG chain needs it
    assert _complete(steps, dr, "rp-dr").status == "completed"
    assert world.recovery_points.retention == []
    # WHEN the LAG chain completes THEN the origin is shortened, once, and no LAG copy ever is
    _complete(steps, lag, "arn:aws:backup:us-east-1:123456789012:recovery-point:abc")
    assert world.recovery_points.retention == [(CENTRAL_HOME, LANDED_RP, 5)]
    assert world.ledger.chain(lag.chain_id).state is LedgerState.COMPLETED  # type: ignore[union-attr]


def test_a_lag_copy_is_never_an_intermediate_copy() -> None:
    # GIVEN a LAG chain that completed with AWS Backup's recovery-point ARN in the LAG vault
    lag = chains_for_event(copy_event(), _routes(**TWO_LAGS).routes).chains[1]
    done = lag.model_copy(update={"copies": [LANDED_RP, "arn:aws:backup:x:1:recovery-point:r"]})
    # THEN only the origin in the central vault is intermediate; with a sibling still running,
    # not even that
    routes = _routes(**TWO_LAGS).routes
    assert intermediate_copies(done, routes) == [(LANDED_RP, CENTRAL_HOME)]
    assert intermediate_copies(done, routes, origin_shared=True) == []


def test_every_lag_rule_the_chain_can_meet_is_a_copy_straight_into_it() -> None:
    # GIVEN the DR region's and the home region's LAG vaults, from the central vault
    routes = _routes(**TWO_LAGS).routes
    for chain in chains_for_event(copy_event(), routes).chains[1:]:
        # THEN each is the route table's "straight into LAG"
        assert Action.INTO_LAG.value in chain.reason or "logically air-gapped" in chain.reason


# ---- status: every destination of a recovery point ----------------------------------------------


def test_status_names_each_chains_destination_and_groups_a_recovery_points_chains(
    world: World,
) -> None:
    # GIVEN an Aurora copy's chains to the DR vault and a LAG vault: the DR one failed
    routes = _routes(ADDITIONAL_DESTINATIONS=f"lag:{DR_REGION}:lag").routes
    dr, lag = chains_for_event(copy_event(), routes).chains
    for chain in (dr, lag):
        world.ledger.chain_started(chain)
    world.ledger.chain_ended(dr, LedgerState.FAILED, "copy job failed")
    labels = {d.vault.arn: d.label for d in routes.destinations(HOME)}
    status = Status(world.ledger, MemoryReplayLedger(), now=world.clock, destinations=labels)
    # WHEN status shows that recovery point's chains
    report = status(world.now - timedelta(hours=24), recovery_point_arn=LANDED_RP)
    # THEN each chain names its destination, in --json too
    assert {c.destination: c.state for c in report.chains} == {
        f"standard:{DR_REGION}:dr": "FAILED",
        f"lag:{DR_REGION}:lag": "RUNNING",
    }
    assert json.loads(report.model_dump_json())["chains"][0]["destination"]
    # AND the table has a destination column, and lists the recovery point's destinations together
    text = render_status(report)
    assert "destination" in text.splitlines()[0]
    assert "recovery points with several destinations:" in text
    # (named by its origin recovery point: the ledger holds no job event of its resource here)
    assert (
        f"  {LANDED_RP} ({CENTRAL}, Aurora): standard:{DR_REGION}:dr FAILED, "
        f"lag:{DR_REGION}:lag RUNNING"
    ) in text


# ---- replay: one destination alone -------------------------------------------------------------


def test_replay_of_one_failed_destination_runs_only_its_chain(world: World) -> None:
    # GIVEN an Aurora copy's chains to the DR vault and a LAG vault, both FAILED
    env = {"ADDITIONAL_DESTINATIONS": f"lag:{DR_REGION}:lag"}
    steps = world.hop_steps(**env)
    chains = chains_for_event(copy_event(), _routes(**env).routes).chains
    for chain in chains:
        world.ledger.chain_started(chain)
        copying = steps.start_copy_job(steps.next_hop(chain, AWS_QUOTAS))
        error = HopError(error="CopyJobFailed", cause="Copy job failed.")
        steps.hop_failed(copying.model_copy(update={"error": error}))
    replay = Replay(
        central_vault_name=CENTRAL_HOME.name,
        central_account=CENTRAL,
        chains=world.ledger,
        jobs=MemoryReplayLedger(),
        member_copies=FakeMemberCopies(),
        workflow=world.workflow,
        central_copies=FakeCentralCopyJobs(),
        regions=(HOME, DR_REGION),
        now=world.clock,
    )
    # WHEN the operator replays the LAG destination alone
    report = replay(ReplayRequest(destination=f"lag:{DR_REGION}:lag"))
    # THEN only the LAG chain runs again, as its attempt 2; the DR chain stays FAILED
    lag = chains[1]
    assert [item.id for item in report.items] == [lag.chain_id]
    assert [s.execution_name for s in world.workflow.started] == [f"{lag.chain_id}-attempt-2"]
    assert world.ledger.chain(chains[0].chain_id).state is LedgerState.FAILED  # type: ignore[union-attr]


def test_replay_refuses_a_destination_that_is_not_one() -> None:
    with pytest.raises(ValueError, match="expected TYPE:REGION:VAULT"):
        ReplayRequest(destination="lag-vault")
