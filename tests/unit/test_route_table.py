"""The route table (domain/route_table.py): one test per row family, possible and impossible, with
AWS's reason; and the table's own shape (every row cites an AWS page, every case reaches a row)."""

from __future__ import annotations

import itertools
from dataclasses import replace
from typing import Any

import pytest

from backup_relay.domain import route_table
from backup_relay.domain.resource_types import REGISTRY, Copies, ResourceType
from backup_relay.domain.route_table import (
    PAGES,
    RULES,
    Action,
    Case,
    Decision,
    Encryption,
    VaultType,
    case_of,
    decide,
)
from backup_relay.domain.routes import (
    Lifecycle,
    RouteError,
    RoutePolicy,
    Vault,
    plan_route,
    two_hop_fallback,
)

pytestmark = pytest.mark.unit

CENTRAL, MEMBER = "123456789012", "222222222222"
HOME, DR = "us-west-2", "us-east-1"
LAG = VaultType.LOGICALLY_AIR_GAPPED
POLICY = RoutePolicy(
    central_account=CENTRAL, central_vault_name="central", chained_types=REGISTRY.two_hop()
)
MEMBER_VAULT = Vault(account=MEMBER, region=HOME, name="member")
CENTRAL_HOME = Vault(account=CENTRAL, region=HOME, name="lag")
CENTRAL_DR = Vault(account=CENTRAL, region=DR, name="lag")


def _decide(
    resource_type: str, source: tuple[str, str], destination: tuple[str, str], **kw: Any
) -> Decision:
    return decide(case_of(resource_type, source, destination, **kw))


# ---- impossible, with AWS's reason -------------------------------------------------------------


def test_not_copied_type_is_impossible_and_names_the_copyable_types() -> None:
    # GIVEN Redshift, which the features page gives no copy column
    # WHEN a copy to another region is planned
    decision = _decide("Redshift", (MEMBER, HOME), (MEMBER, DR))
    # THEN the table says impossible, why, and cites the features page
    assert decision.family == "not-copied"
    assert decision.action is Action.IMPOSSIBLE
    assert "cannot copy 'Redshift'" in decision.reason
    assert "Aurora" in decision.reason
    assert decision.page == PAGES["features"]


def test_another_partition_is_impossible() -> None:
    # GIVEN a copy from a commercial region into a China region
    # WHEN it is planned
    decision = _decide("EBS", (CENTRAL, HOME), (CENTRAL, "cn-north-1"))
    # THEN AWS copies only within a partition
    assert (decision.family, decision.action) == ("other-partition", Action.IMPOSSIBLE)
    assert "only within a partition" in decision.reason
    # AND GovCloud's regions only among themselves, and China's two regions between each other
    assert not _decide("EBS", (CENTRAL, "us-gov-west-1"), (CENTRAL, DR)).possible
    assert _decide("EBS", (CENTRAL, "us-gov-west-1"), (CENTRAL, "us-gov-east-1")).possible
    assert _decide("EBS", (CENTRAL, "cn-north-1"), (CENTRAL, "cn-northwest-1")).possible


def test_cross_account_of_a_type_without_it_is_impossible() -> None:
    # GIVEN CloudFormation, copied across regions only
    # WHEN a copy to another account is planned, THEN it is impossible, and across regions not
    decision = _decide("CloudFormation", (MEMBER, HOME), (CENTRAL, HOME))
    assert (decision.family, decision.action) == ("no-cross-account", Action.IMPOSSIBLE)
    assert decision.reason == "AWS Backup cannot copy CloudFormation across accounts"
    assert _decide("CloudFormation", (MEMBER, HOME), (MEMBER, DR)).possible


def test_cross_region_of_a_type_without_it_is_impossible() -> None:
    # GIVEN a registry where a type copies across accounts only (none does today)
    only_accounts = ResourceType("X", REGISTRY["EBS"].recovery_points, Copies(cross_region=False))
    original = route_table.resource_types.REGISTRY
    route_table.resource_types.REGISTRY = original.with_type(only_accounts)
    try:
        # WHEN a cross-region copy is planned, THEN it is impossible
        decision = _decide("X", (MEMBER, HOME), (MEMBER, DR))
    finally:
        route_table.resource_types.REGISTRY = original
    assert (decision.family, decision.reason) == (
        "no-cross-region",
        "AWS Backup cannot copy X across regions",
    )


def test_neptune_across_accounts_in_an_opt_in_region_is_impossible() -> None:
    # GIVEN Neptune, which AWS does not copy across accounts in opt-in regions
    # WHEN the destination is in af-south-1 in another account
    decision = _decide("Neptune", (MEMBER, "af-south-1"), (CENTRAL, "af-south-1"))
    # THEN the table says impossible, naming the region
    assert decision.family == "opt-in-cross-account"
    assert "across accounts in the opt-in region af-south-1" in decision.reason
    # AND Aurora there is possible, and Neptune within one account too
    assert _decide("Aurora", (MEMBER, "af-south-1"), (CENTRAL, "af-south-1")).possible
    assert _decide("Neptune", (MEMBER, "af-south-1"), (MEMBER, DR)).possible


def test_rds_into_a_lag_vault_is_impossible_with_aws_reason() -> None:
    # GIVEN RDS (DB instances, Multi-AZ DB clusters)
    # WHEN it is planned into a logically air-gapped vault, in any account or region
    for destination in ((MEMBER, HOME), (CENTRAL, HOME), (CENTRAL, DR)):
        decision = _decide("RDS", (MEMBER, HOME), destination, destination_vault=LAG)
        # THEN it is impossible, with the LAG page's words
        assert (decision.family, decision.action) == ("lag-refuses-type", Action.IMPOSSIBLE)
        assert "RDS DB instances and Multi-AZ DB clusters" in decision.reason
        assert decision.page == PAGES["lag"]
    # AND into a standard vault it is possible
    assert _decide("RDS", (MEMBER, HOME), (CENTRAL, HOME)).possible


@pytest.mark.parametrize("encryption", [Encryption.UNENCRYPTED, Encryption.AWS_MANAGED])
def test_a_cluster_on_a_weak_key_cannot_go_into_a_lag_vault(encryption: Encryption) -> None:
    # GIVEN an Aurora cluster unencrypted or on an AWS managed key
    # WHEN it is planned into a LAG vault
    decision = _decide(
        "Aurora", (MEMBER, HOME), (CENTRAL, HOME), destination_vault=LAG, encryption=encryption
    )
    # THEN it is impossible, and the reason says the fix
    assert (decision.family, decision.action) == ("lag-weak-key", Action.IMPOSSIBLE)
    assert "customer managed key" in decision.reason


# ---- possible ----------------------------------------------------------------------------------


def test_a_cluster_into_a_lag_vault_goes_straight_in_and_names_the_key_it_needs() -> None:
    # GIVEN an Aurora recovery point whose key the planner is not told
    # WHEN it is planned into a LAG vault in another account, same region
    decision = _decide("Aurora", (MEMBER, HOME), (CENTRAL, HOME), destination_vault=LAG)
    # THEN one copy straight into LAG, with the key condition; and with a CMK, no condition
    assert (decision.family, decision.action) == ("lag", Action.INTO_LAG)
    assert "customer managed key" in decision.condition
    with_cmk = _decide(
        "Aurora",
        (MEMBER, HOME),
        (CENTRAL, HOME),
        destination_vault=LAG,
        encryption=Encryption.CUSTOMER_MANAGED,
    )
    assert with_cmk.possible
    assert not with_cmk.condition


def test_a_cluster_across_regions_into_lag_is_one_copy_as_aws_documents_it() -> None:
    # GIVEN DocumentDB in the central account's home region
    # WHEN it is planned into a LAG vault in the DR region
    decision = _decide("DocumentDB", (CENTRAL, HOME), (CENTRAL, DR), destination_vault=LAG)
    # THEN one copy straight into LAG, as the document history dates it (February 12, 2026)
    assert (decision.family, decision.action) == ("lag-cluster-cross-region", Action.INTO_LAG)
    assert not decision.inferred
    assert decision.page == PAGES["history"]
    assert "February 12, 2026" in decision.reason


@pytest.mark.parametrize("region", ["ap-southeast-5", "ca-west-1", "cn-north-1", "us-gov-west-1"])
def test_no_copy_goes_into_a_lag_vault_in_a_region_without_them(region: str) -> None:
    # GIVEN a region where AWS has no logically air-gapped vaults
    # WHEN an EBS copy is planned into a LAG vault there, in the same account and region
    decision = _decide("EBS", (CENTRAL, region), (CENTRAL, region), destination_vault=LAG)
    # THEN it is impossible, citing the LAG page
    assert (decision.family, decision.action) == ("lag-no-vaults", Action.IMPOSSIBLE)
    assert region in decision.reason
    assert decision.page == PAGES["lag"]


@pytest.mark.parametrize(
    "region", ["mx-central-1", "ap-southeast-7", "ap-east-2", "ap-southeast-6"]
)
def test_no_cross_region_or_account_copy_into_lag_in_the_regions_aws_lists(region: str) -> None:
    # GIVEN a region where AWS makes no cross-Region or cross-account copy into a LAG vault
    # WHEN an EBS copy from another account is planned into a LAG vault there
    decision = _decide("EBS", (MEMBER, region), (CENTRAL, region), destination_vault=LAG)
    # THEN it is impossible, citing the features page's Region table
    assert (decision.family, decision.action) == ("lag-region", Action.IMPOSSIBLE)
    assert region in decision.reason
    assert decision.page == PAGES["features-regions"]
    # AND a copy in the same account and region there is not refused by that rule
    same = _decide("EBS", (CENTRAL, region), (CENTRAL, region), destination_vault=LAG)
    assert same.family == "lag"


def test_a_chained_type_across_accounts_and_regions_into_lag_takes_two_hops() -> None:
    # GIVEN Aurora in a member account
    # WHEN it is planned into the central account's LAG vault in the DR region
    route = plan_route("Aurora", MEMBER_VAULT, CENTRAL_DR, POLICY, destination_vault_type=LAG)
    # THEN the account changes in the member's region, then the region, the last hop into LAG
    assert route.family == "lag-two-hops"
    assert route.action == Action.TWO_HOPS
    assert [hop.destination for hop in route.hops] == [POLICY.central_vault(HOME), CENTRAL_DR]
    assert route.inferred


def test_a_type_the_pages_do_not_confirm_into_lag_is_planned_inferred() -> None:
    # GIVEN a type added to the registry without a LAG fact (into_lag None)
    unknown = ResourceType("X", REGISTRY["EFS"].recovery_points, Copies())
    original = route_table.resource_types.REGISTRY
    route_table.resource_types.REGISTRY = original.with_type(unknown)
    try:
        decision = _decide("X", (MEMBER, HOME), (CENTRAL, HOME), destination_vault=LAG)
    finally:
        route_table.resource_types.REGISTRY = original
    # THEN it is planned straight into LAG, INFERRED
    assert (decision.family, decision.action, decision.inferred) == (
        "lag-unconfirmed",
        Action.INTO_LAG,
        True,
    )


@pytest.mark.parametrize(
    ("resource_type", "takes"),
    [("EFS", True), ("S3", True), ("Timestream", True), ("SAP HANA on Amazon EC2", False),
     ("EKS", False), ("CloudFormation", False)],
)  # fmt: skip
def test_every_registered_type_has_the_features_pages_lag_fact(
    resource_type: str, takes: bool
) -> None:
    # GIVEN the features page's LAG column, THEN no registered type is left unconfirmed
    assert all(t.copies.into_lag is not None for t in REGISTRY)
    assert REGISTRY[resource_type].copies.into_lag is takes


@pytest.mark.parametrize(
    ("retention", "shown"), [(6, "6 days"), (400, "400 days"), (None, "no expiry")]
)
def test_a_copy_into_a_lag_vault_outside_its_retention_range_is_impossible(
    retention: int | None, shown: str
) -> None:
    # GIVEN a LAG vault that keeps recovery points 7 to 365 days, and a copy kept `retention`
    decision = _decide(
        "Aurora", (MEMBER, HOME), (CENTRAL, HOME), destination_vault=LAG,
        retention_days=retention, retention_range=(7, 365),
    )  # fmt: skip
    # THEN no route: AWS fails such a copy job, with the text it gives
    assert (decision.family, decision.action) == ("lag-retention-range", Action.IMPOSSIBLE)
    assert f"retention ({shown}) is outside" in decision.reason
    assert "7 to 365 days" in decision.reason
    assert "not within the range specified for the target Backup Vault" in decision.reason
    assert decision.page == PAGES["lag-primary"]


@pytest.mark.parametrize("retention", [7, 35, 365])
def test_a_copy_into_a_lag_vault_inside_its_range_goes_in(retention: int) -> None:
    decision = _decide(
        "Aurora", (MEMBER, HOME), (CENTRAL, HOME), destination_vault=LAG,
        retention_days=retention, retention_range=(7, 365),
    )  # fmt: skip
    assert (decision.family, decision.action) == ("lag", Action.INTO_LAG)
    # AND a standard vault has no such range: the same retention is not checked against it
    standard = _decide("Aurora", (MEMBER, HOME), (CENTRAL, HOME), retention_days=3,
                       retention_range=(7, 365))  # fmt: skip
    assert standard.possible


def test_the_planner_checks_the_settings_lag_range_against_the_dr_lifecycle() -> None:
    # GIVEN the stack's LAG range and a DR lifecycle outside it
    policy = RoutePolicy(
        central_account=CENTRAL, central_vault_name="central",
        chained_types=REGISTRY.two_hop(), lag_retention=(30, 3650),
        destination_lifecycle=Lifecycle(delete_after_days=14),
    )  # fmt: skip
    # WHEN a chain into a LAG vault in another region is planned, THEN it is refused
    with pytest.raises(RouteError, match=r"retention \(14 days\) is outside .* \(30 to 3650"):
        plan_route("Aurora", MEMBER_VAULT, CENTRAL_DR, policy, destination_vault_type=LAG)
    # AND inside it, it plans as before (two hops)
    inside = replace(policy, destination_lifecycle=Lifecycle(delete_after_days=35))
    route = plan_route("Aurora", MEMBER_VAULT, CENTRAL_DR, inside, destination_vault_type=LAG)
    assert route.family == "lag-two-hops"
    assert route.hops[-1].lifecycle.delete_after_days == 35


def test_lag_to_lag_is_one_on_demand_copy() -> None:
    # GIVEN a recovery point in a LAG vault
    # WHEN it is planned into another LAG vault
    decision = _decide(
        "EBS", (CENTRAL, HOME), (CENTRAL, DR), destination_vault=LAG, source_vault=LAG
    )
    # THEN one copy, on demand only (which the relay's StartCopyJob is)
    assert (decision.family, decision.action) == ("lag-to-lag", Action.ONE_COPY)
    assert "on demand only" in decision.reason


def test_same_account_or_same_region_is_one_copy() -> None:
    for destination in ((CENTRAL, HOME), (MEMBER, DR)):
        decision = _decide("RDS", (MEMBER, HOME), destination, chained=True)
        assert (decision.family, decision.action) == ("one-hop", Action.ONE_COPY)


def test_a_type_not_chained_crosses_both_in_one_copy() -> None:
    decision = _decide("EBS", (MEMBER, HOME), (CENTRAL, DR))
    assert (decision.family, decision.action) == ("not-chained", Action.ONE_COPY)


def test_single_action_crosses_both_in_one_copy_outside_opt_in_regions() -> None:
    decision = _decide("RDS", (MEMBER, HOME), (CENTRAL, DR), chained=True, single_action=True)
    assert (decision.family, decision.action) == ("single-action", Action.ONE_COPY)
    opt_in = _decide(
        "RDS", (MEMBER, HOME), (CENTRAL, "eu-south-1"), chained=True, single_action=True
    )
    assert (opt_in.family, opt_in.action) == ("two-hops", Action.TWO_HOPS)


def test_a_chained_type_across_accounts_and_regions_takes_two_hops() -> None:
    decision = _decide("Neptune", (MEMBER, HOME), (CENTRAL, DR), chained=True)
    assert (decision.family, decision.action) == ("two-hops", Action.TWO_HOPS)
    assert decision.page == PAGES["cross-account"]


def test_plan_route_refuses_with_the_table_reason() -> None:
    # GIVEN RDS, WHEN plan_route is asked for a LAG vault, THEN RouteError carries the reason
    with pytest.raises(RouteError, match="cannot be copied into one"):
        plan_route("RDS", MEMBER_VAULT, CENTRAL_HOME, POLICY, destination_vault_type=LAG)


# ---- the table itself --------------------------------------------------------------------------


def test_every_rule_cites_an_aws_page_and_inferred_rules_say_so() -> None:
    families = [rule.family for rule in RULES]
    assert len(families) == len(set(families)), "a family is named once"
    for rule in RULES:
        assert PAGES[rule.page].startswith("https://docs.aws.amazon.com/aws-backup/")
        assert rule.inferred == ("INFERRED" in rule.reason), rule.family


def test_every_case_reaches_a_rule() -> None:
    # GIVEN every type x account x region x vault types x opt-in x settings
    names = [*REGISTRY.names(), "Unknown"]
    flags = [False, True]
    for name, acct, region, lag, src_lag, opt_in, chained, single in itertools.product(
        names, flags, flags, flags, flags, flags, flags, flags
    ):
        case = Case(
            name,
            other_account=acct,
            other_region=region,
            destination_vault=LAG if lag else VaultType.STANDARD,
            source_vault=LAG if src_lag else VaultType.STANDARD,
            opt_in=("af-south-1",) if opt_in else (),
            chained=chained,
            single_action=single,
        )
        # WHEN decided, THEN one rule answers, with a reason
        assert decide(case).reason


def test_a_replanned_route_keeps_its_destination_vault_type() -> None:
    # GIVEN a route into a LAG vault
    route = plan_route("Aurora", MEMBER_VAULT, CENTRAL_DR, POLICY, destination_vault_type=LAG)
    # WHEN it is re-planned after a refusal
    fallback = two_hop_fallback(route, POLICY)
    # THEN it still lands in the LAG vault, by the same row
    assert fallback.destination_vault_type is LAG
    assert fallback.family == "lag-two-hops"
