"""plan_route(): every resource type x account x region x single-action setting, and properties."""

from __future__ import annotations

import itertools
import json
from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backup_relay.domain.resource_types import REGISTRY
from backup_relay.domain.routes import (
    HopKind,
    Lifecycle,
    RouteError,
    RoutePolicy,
    Vault,
    plan_route,
    two_hop_fallback,
)
from backup_relay_cli.main import main

CENTRAL, MEMBER = "123456789012", "222222222222"
HOME, DR = "us-west-2", "us-east-1"
COPIED = REGISTRY.copied()
CROSS_REGION_ONLY = frozenset(
    t.name for t in REGISTRY if t.copies.cross_region and not t.copies.cross_account
)
TWO_HOP_TYPES = REGISTRY.two_hop()
SETTINGS = RoutePolicy(
    central_account=CENTRAL, central_vault_name="central-west", chained_types=TWO_HOP_TYPES
)
MEMBER_VAULT = Vault(account=MEMBER, region=HOME, name="member")
ALL_TYPES = sorted({*REGISTRY.names(), "Unknown"})


def _destination(cross_account: bool, cross_region: bool) -> Vault:
    return Vault(
        account=CENTRAL if cross_account else MEMBER,
        region=DR if cross_region else HOME,
        name="dr" if cross_region else "other",
    )


def _expected_hops(
    resource_type: str, cross_account: bool, cross_region: bool, single: bool
) -> int:
    """The rule, restated: 0 = no route."""
    if resource_type not in COPIED:
        return 0
    if resource_type in CROSS_REGION_ONLY and cross_account:
        return 0
    chained = resource_type in TWO_HOP_TYPES
    return 2 if chained and cross_account and cross_region and not single else 1


@pytest.mark.parametrize(
    ("resource_type", "cross_account", "cross_region", "single_action"),
    list(itertools.product(ALL_TYPES, [False, True], [False, True], [False, True])),
)
def test_every_type_account_region_and_setting(
    resource_type: str, cross_account: bool, cross_region: bool, single_action: bool
) -> None:
    # GIVEN a member vault, a destination, and single-action copy on or off for this type
    destination = _destination(cross_account, cross_region)
    settings = replace(
        SETTINGS,
        single_action_types=frozenset({resource_type}) if single_action else frozenset(),
    )
    expected = _expected_hops(resource_type, cross_account, cross_region, single_action)
    # WHEN the route is planned
    if expected == 0:
        # THEN an impossible route is a clear error
        with pytest.raises(RouteError, match="cannot copy"):
            plan_route(resource_type, MEMBER_VAULT, destination, settings)
        return
    route = plan_route(resource_type, MEMBER_VAULT, destination, settings)
    # THEN it has the expected number of hops, from the source to the destination
    assert len(route.hops) == expected
    assert route.hops[0].source == MEMBER_VAULT
    assert route.hops[-1].destination == destination


def test_aurora_member_to_dr_goes_through_the_central_vault_of_the_member_region() -> None:
    dr = Vault(account=CENTRAL, region=DR, name="dr")
    route = plan_route("Aurora", MEMBER_VAULT, dr, SETTINGS)
    assert [(h.kind, str(h.destination)) for h in route.hops] == [
        (HopKind.CROSS_ACCOUNT, f"{CENTRAL}:{HOME}:central-west"),
        (HopKind.CROSS_REGION, f"{CENTRAL}:{DR}:dr"),
    ]


def test_bring_back_changes_region_first_then_account() -> None:
    dr = Vault(account=CENTRAL, region=DR, name="dr")
    route = plan_route("Neptune", dr, MEMBER_VAULT, SETTINGS)
    assert [h.kind for h in route.hops] == [HopKind.CROSS_REGION, HopKind.CROSS_ACCOUNT]
    assert route.hops[0].destination == Vault(account=CENTRAL, region=HOME, name="central-west")


def test_lifecycles_intermediate_then_destination() -> None:
    settings = replace(
        SETTINGS,
        intermediate_lifecycle=Lifecycle(delete_after_days=7),
        destination_lifecycle=Lifecycle(delete_after_days=35),
    )
    route = plan_route("RDS", MEMBER_VAULT, Vault(account=CENTRAL, region=DR, name="dr"), settings)
    assert [h.lifecycle.as_api() for h in route.hops] == [
        {"DeleteAfterDays": 7},
        {"DeleteAfterDays": 35},
    ]


def test_single_action_falls_back_to_two_hops() -> None:
    settings = replace(SETTINGS, single_action_types=frozenset({"Aurora"}))
    dr = Vault(account=CENTRAL, region=DR, name="dr")
    single = plan_route("Aurora", MEMBER_VAULT, dr, settings)
    assert len(single.hops) == 1
    fallback = two_hop_fallback(single, settings)
    assert len(fallback.hops) == 2
    assert "refused the single-action copy" in fallback.reason


def test_single_action_is_not_used_in_opt_in_regions() -> None:
    settings = replace(SETTINGS, single_action_types=frozenset({"RDS"}))
    dr = Vault(account=CENTRAL, region="eu-south-1", name="dr")
    route = plan_route("RDS", MEMBER_VAULT, dr, settings)
    assert len(route.hops) == 2
    assert "not available in eu-south-1" in route.reason


@pytest.mark.parametrize(
    ("resource_type", "source", "destination", "message"),
    [
        ("EBS", MEMBER_VAULT, MEMBER_VAULT, "already in"),
        ("Neptune", MEMBER_VAULT, Vault(account=CENTRAL, region="af-south-1", name="x"), "opt-in"),
        ("Aurora", MEMBER_VAULT, Vault(account="333333333333", region=DR, name="x"), "central"),
    ],
)
def test_impossible_routes_say_why(
    resource_type: str, source: Vault, destination: Vault, message: str
) -> None:
    with pytest.raises(RouteError, match=message):
        plan_route(resource_type, source, destination, SETTINGS)


def test_vault_parses_arn_and_short_form() -> None:
    arn = f"arn:aws:backup:{DR}:{CENTRAL}:backup-vault:dr"
    assert Vault.parse(arn) == Vault.parse(f"{CENTRAL}:{DR}:dr")
    assert Vault.parse(arn).arn == arn
    for bad in ("dr", "a:b", "arn:aws:s3:::bucket"):
        with pytest.raises(RouteError):
            Vault.parse(bad)


def test_idempotency_token_is_stable_per_recovery_point_and_destination() -> None:
    route = plan_route("RDS", MEMBER_VAULT, Vault(account=CENTRAL, region=DR, name="dr"), SETTINGS)
    first, second = route.hops
    assert first.idempotency_token("rp-1") == first.idempotency_token("rp-1")
    assert first.idempotency_token("rp-1") != first.idempotency_token("rp-2")
    assert first.idempotency_token("rp-1") != second.idempotency_token("rp-1")


vaults = st.builds(
    Vault,
    account=st.sampled_from([CENTRAL, MEMBER]),
    region=st.sampled_from([HOME, DR, "eu-west-1"]),
    name=st.sampled_from(["a", "b"]),
)


@given(
    st.sampled_from(ALL_TYPES),
    vaults,
    vaults,
    st.frozensets(st.sampled_from(sorted(TWO_HOP_TYPES))),
)
def test_routes_are_connected_and_never_cross_both_for_a_chained_type(
    resource_type: str, source: Vault, destination: Vault, single: frozenset[str]
) -> None:
    settings = replace(SETTINGS, single_action_types=single)
    try:
        route = plan_route(resource_type, source, destination, settings)
    except RouteError as error:
        refusal = str(error)
        assert refusal, "a refusal always says why"
        return
    assert 1 <= len(route.hops) <= 2
    assert route.hops[0].source == source
    assert route.hops[-1].destination == destination
    for before, after in itertools.pairwise(route.hops):
        assert before.destination == after.source
    for hop in route.hops:
        assert hop.source != hop.destination
        if resource_type in TWO_HOP_TYPES - single:
            assert hop.kind is not HopKind.CROSS_ACCOUNT_AND_REGION


@pytest.mark.parametrize(
    ("args", "hops"),
    [
        (["Aurora"], 2),
        (["Aurora", "--single-action-types", "Aurora"], 1),
        (["EBS"], 1),
    ],
)
def test_plan_cli_json(args: list[str], hops: int, capsys: pytest.CaptureFixture[str]) -> None:
    base = ["--from", f"{MEMBER}:{HOME}:member", "--to", f"{CENTRAL}:{DR}:dr", "--json"]
    assert main(["plan", *args, *base]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["hop_count"] == len(printed["hops"]) == hops


def test_plan_cli_refuses_a_type_that_cannot_be_copied(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["plan", "Redshift", "--from", f"{MEMBER}:{HOME}:member", "--to", f"{CENTRAL}:{DR}:dr"]
    # exit 1, not 2: a route AWS has no copy for is a fact about AWS, not bad usage (issue #25)
    assert main(args) == 1
    assert capsys.readouterr().err.startswith("backup-relay: no route: AWS Backup cannot copy")
