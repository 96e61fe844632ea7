"""The doctor's rules over the opt-in features (doctor/features.py), on facts: restore drills
(RestoreDrills) and Security Hub (SecurityHubFindings)."""

from __future__ import annotations

from typing import Any

import pytest

from backup_relay.doctor.facts import (
    BusRuleFacts,
    CentralFacts,
    DrillFacts,
    DrillRoleFacts,
    HubFacts,
)
from backup_relay.doctor.features import restore_drills_ready, security_hub_enabled

BUS = "arn:aws:events:us-west-2:123456789012:event-bus/relay"
ROLE = "arn:aws:iam::123456789012:role/backup-relay/vaults-RestoreDrillRole-X"
TYPES = ["Aurora", "DocumentDB", "Neptune", "RDS"]


def _facts(**changes: Any) -> CentralFacts:
    drills = {
        "region": "us-east-2",
        "plan_name": "backup_relay_dr_drills",
        "plan_exists": True,
        "selected_types": TYPES,
        "roles": [
            DrillRoleFacts(
                arn=ROLE,
                exists=True,
                trusts_backup=True,
                policies=["AWSBackupServiceRolePolicyForRestores"],
            )
        ],
        "chained_types": TYPES,
        "bus_arn": BUS,
        "rules": [BusRuleFacts(name="drills", enabled=True, sources=["aws.backup"], targets=[BUS])],
    }
    hub = changes.pop("hub", None)
    return CentralFacts.model_construct(
        account="123456789012", drills=DrillFacts(**drills | changes), security_hub=hub
    )


def test_drills_as_the_vaults_stack_makes_them_pass() -> None:
    # GIVEN the plan, a selection per chained type, the role and the rule as the stack makes them
    # THEN nothing is found
    assert list(restore_drills_ready(_facts())) == []


@pytest.mark.parametrize(
    ("role", "found"),
    [
        (DrillRoleFacts(arn=ROLE, exists=False), "does not exist"),
        (DrillRoleFacts(arn=ROLE, exists=True, trusts_backup=False), "does not trust"),
        (DrillRoleFacts(arn=ROLE, exists=True, trusts_backup=True, policies=[]), "does not carry"),
    ],
)
def test_a_drill_role_that_cannot_restore_is_found(role: DrillRoleFacts, found: str) -> None:
    # GIVEN the selections' role missing, not trusting AWS Backup, or without the restores policy
    [finding] = restore_drills_ready(_facts(roles=[role]))
    # THEN one warning names the role and why
    assert (finding.category, finding.severity, finding.resource) == (
        "restore_drills",
        "warning",
        ROLE,
    )
    assert found in finding.problem


def test_a_role_whose_policies_could_not_be_read_is_not_guessed() -> None:
    # GIVEN a role whose attached policies were not read
    role = DrillRoleFacts(arn=ROLE, exists=True, trusts_backup=True, policies=None)
    # THEN nothing is found of them
    assert list(restore_drills_ready(_facts(roles=[role]))) == []


def test_only_the_chained_types_need_a_selection() -> None:
    # GIVEN ChainedResourceTypes of Aurora and DynamoDB, and a plan selecting RDS only
    facts = _facts(chained_types=["Aurora", "DynamoDB"], selected_types=["RDS"])
    # THEN Aurora's missing selection is found, not DynamoDB's (drills restore the RDS family)
    [finding] = restore_drills_ready(facts)
    assert "selects no Aurora:" in finding.problem


def test_a_disabled_forwarding_rule_and_none_at_all_are_told_apart() -> None:
    # GIVEN the rule to the relay bus disabled, then only a rule to another target
    disabled = BusRuleFacts(name="drills", enabled=False, sources=["aws.backup"], targets=[BUS])
    other = BusRuleFacts(name="other", enabled=True, sources=["aws.backup"], targets=["x"])
    # THEN the first is found with enable-rule, the second as no rule forwarding to the bus
    [finding] = restore_drills_ready(_facts(rules=[disabled]))
    assert finding.fix == "aws events enable-rule --name drills --region us-east-2"
    [finding] = restore_drills_ready(_facts(rules=[other]))
    assert finding.resource == BUS
    assert "RelayBusArn=" + BUS in finding.fix


def test_a_missing_plan_is_found_once_with_the_forwarding_rule() -> None:
    # GIVEN no plan and no rule (the vaults stack never deployed with RestoreDrills)
    found = list(restore_drills_ready(_facts(plan_exists=False, selected_types=[], rules=[])))
    # THEN the plan and the rule are found, not each chained type's selection
    assert len(found) == 2
    assert "does not exist" in found[0].problem


@pytest.mark.parametrize(("enabled", "findings"), [(False, 1), (True, 0), (None, 0)])
def test_security_hub_is_found_only_when_describe_hub_refused(
    enabled: bool | None, findings: int
) -> None:
    # GIVEN SecurityHubFindings on, and DescribeHub's answer (None: denied, not read)
    facts = _facts(hub=HubFacts(region="us-west-2", enabled=enabled))
    # THEN only InvalidAccessException is a finding
    assert len(list(security_hub_enabled(facts))) == findings
