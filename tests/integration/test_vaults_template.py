"""vaults/template.yaml: the vaults the chain copies into, with a customer managed key and the
policies cross-account copies need (AWS's cross-account copy guidance)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from moto.events.models import EventPattern

from backup_relay_sandbox.emit import as_member_event
from backup_relay_sandbox.template import (
    CENTRAL_TEMPLATE,
    CONDITION,
    VAULTS_TEMPLATE,
    evaluate_conditions,
    load_template,
    resolve,
)
from tests.support.events import JOB_EVENT_FILES, OTHER_EVENT_FILES, documented

VAULTS = load_template(VAULTS_TEMPLATE)
RESOURCES = VAULTS["Resources"]
SERVICE_ROLE = (
    "arn:${AWS::Partition}:iam::*:role/aws-service-role/backup.amazonaws.com/"
    "AWSServiceRoleForBackup"
)
ORGANIZATION = {"aws:PrincipalOrgID": {"Ref": "OrganizationId"}}


def _statement(statements: list[dict[str, Any]], sid: str) -> dict[str, Any]:
    [found] = [s for s in statements if s.get("Sid") == sid]
    return found


def test_the_key_lets_the_organizations_backup_service_role_copy_with_it() -> None:
    key = RESOURCES["VaultKey"]
    statements = key["Properties"]["KeyPolicy"]["Statement"]
    use = _statement(statements, "TheOrganizationsBackupServiceRoleCopiesWithIt")
    grants = _statement(statements, "TheOrganizationsBackupServiceRoleGrantsForAwsResources")
    assert use["Action"] == [
        "kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"
    ]  # fmt: skip
    assert grants["Action"] == ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"]
    for statement in (use, grants):
        assert statement["Condition"]["StringEquals"] == ORGANIZATION
        assert statement["Condition"]["ArnLike"] == {"aws:PrincipalArn": {"Fn::Sub": SERVICE_ROLE}}
    assert grants["Condition"]["Bool"] == {"kms:GrantIsForAWSResource": "true"}
    assert key["Properties"]["EnableKeyRotation"] is True
    assert key["DeletionPolicy"] == "Retain"


def test_the_vaults_take_copies_from_the_organizations_backup_roles_only() -> None:
    for vault in ("CentralVault", "DrVault"):
        properties = RESOURCES[vault]["Properties"]
        assert properties["EncryptionKeyArn"] == {"Fn::GetAtt": ["VaultKey", "Arn"]}
        # only CopyIntoBackupVault: AWS rejects cross-account access to a vault for any other
        # action, whatever its policy says (Vault access policies, AWS Backup developer guide)
        [copy_in] = properties["AccessPolicy"]["Statement"]
        assert copy_in["Action"] == "backup:CopyIntoBackupVault"
        assert copy_in["Condition"]["StringEquals"] == ORGANIZATION
        assert "CopyRoleNames" in str(copy_in["Condition"]["ArnLike"]["aws:PrincipalArn"])
        assert RESOURCES[vault]["DeletionPolicy"] == "Retain"
    assert RESOURCES["DrVault"]["Condition"] == "InTheDrRegion"
    # AND by default those roles are AWS Backup's default one and the ones backup-relay creates
    assert VAULTS["Parameters"]["CopyRoleNames"]["Default"] == (
        "service-role/AWSBackupDefaultServiceRole,backup-relay/*"
    )


def test_vault_lock_is_optional_and_compliance_has_its_grace_period() -> None:
    lock = RESOURCES["CentralVault"]["Properties"]["LockConfiguration"]
    assert lock["Fn::If"][0] == "Locked"
    assert lock["Fn::If"][1]["ChangeableForDays"]["Fn::If"][0] == "Compliance"
    assert lock["Fn::If"][2] == {"Ref": "AWS::NoValue"}


def test_the_vault_names_default_to_the_central_stacks() -> None:
    central = load_template(CENTRAL_TEMPLATE)["Parameters"]
    for name in ("CentralVaultName", "DrVaultName"):
        assert VAULTS["Parameters"][name]["Default"] == central[name]["Default"]


# ---- the logically air-gapped vault (issue #25 item 3) ------------------------------------------

LAG = "https://docs.aws.amazon.com/aws-backup/latest/devguide/logicallyairgappedvault.html"


def _values(**parameters: Any) -> dict[str, Any]:
    """The vaults stack's values for `parameters` (the rest at their defaults), conditions too."""
    values: dict[str, Any] = {
        key: spec["Default"] for key, spec in VAULTS["Parameters"].items() if "Default" in spec
    }
    values["LagShareWith"] = []  # CloudFormation gives an empty CommaDelimitedList as a list
    values |= {
        "OrganizationId": "o-a1b2c3d4e5",
        "AWS::Partition": "aws",
        "AWS::Region": "us-west-2",
        "AWS::AccountId": "111111111111",
        "VaultKey.Arn": "arn:aws:kms:us-west-2:111111111111:key/k",
        "LagVault.BackupVaultArn": "arn:aws:backup:us-west-2:111111111111:backup-vault:lag",
        **parameters,
    }
    evaluate_conditions(VAULTS, values)
    return values


def _created(values: dict[str, Any]) -> set[str]:
    return {
        logical_id
        for logical_id, resource in RESOURCES.items()
        if "Condition" not in resource or values[CONDITION.format(resource["Condition"])]
    }


def test_no_lag_vault_unless_it_is_named() -> None:
    # GIVEN the vaults stack at its defaults
    # THEN it creates no logically air-gapped vault and shares nothing
    assert {"LagVault", "LagVaultShare"} & _created(_values()) == set()
    # AND WHEN a LAG vault is named, it is created, not shared unless asked
    assert {"LagVault", "LagVaultShare"} & _created(_values(LagVaultName="lag")) == {"LagVault"}


def test_the_lag_vault_has_its_retention_range_and_an_aws_owned_key_by_default() -> None:
    # GIVEN the LAG vault's resource: MinRetentionDays and MaxRetentionDays are required [LAG]
    vault = RESOURCES["LagVault"]
    assert vault["Type"] == "AWS::Backup::LogicallyAirGappedBackupVault"
    assert vault["DeletionPolicy"] == "Retain"
    values = _values(LagVaultName="lag")
    properties = resolve(vault["Properties"], values)
    # THEN its range is the parameters' (AWS's minimum retention is 7 days)
    assert (properties["MinRetentionDays"], properties["MaxRetentionDays"]) == (7, 36500)
    assert VAULTS["Parameters"]["LagMinRetentionDays"]["MinValue"] == 7
    # AND AWS's own key encrypts it unless the stack's customer managed key is asked for
    assert "EncryptionKeyArn" not in properties
    keyed = resolve(vault["Properties"], _values(LagVaultName="lag", LagVaultKey="vault-key"))
    assert keyed["EncryptionKeyArn"] == "arn:aws:kms:us-west-2:111111111111:key/k"
    # AND only the organization's backup roles copy into it, as into the other vaults
    central = RESOURCES["CentralVault"]["Properties"]
    assert vault["Properties"]["AccessPolicy"] == central["AccessPolicy"]


def test_the_lag_vault_is_shared_with_the_accounts_listed_and_never_with_the_organization() -> None:
    # GIVEN a shared LAG vault with the accounts that may restore from it
    share = RESOURCES["LagVaultShare"]
    values = _values(LagVaultName="lag", LagShared="true", LagShareWith=["222222222222"])
    assert "LagVaultShare" in _created(values)
    properties = resolve(share["Properties"], values)
    # THEN RAM shares it with those accounts only, within the organization
    assert properties["Principals"] == ["222222222222"]
    assert properties["AllowExternalPrincipals"] is False
    assert properties["ResourceArns"] == [values["LagVault.BackupVaultArn"]]
    # AND sharing with no account listed is refused at deploy time: AWS shares a LAG vault with
    # accounts, "not with an entire organization" (logicallyairgappedvault.html)
    rule = VAULTS["Rules"]["LagSharedNamesItsAccounts"]
    assert rule["RuleCondition"] == {"Fn::Equals": [{"Ref": "LagShared"}, "true"]}
    assert "LagShareWith" in str(rule["Assertions"])


def test_the_lag_vault_outputs_its_arn() -> None:
    assert VAULTS["Outputs"]["LagVaultArn"] == {
        "Condition": "HasLagVault",
        "Value": {"Fn::GetAtt": ["LagVault", "BackupVaultArn"]},
    }


def test_the_relays_lag_range_defaults_to_the_vaults_stacks() -> None:
    # GIVEN the central stack's LagMin/MaxRetentionDays (the planner's range, one setting each)
    central = load_template(CENTRAL_TEMPLATE)["Parameters"]
    # THEN their defaults and minimums are the LAG vault's, which AWS fixes at creation
    for name in ("LagMinRetentionDays", "LagMaxRetentionDays"):
        assert central[name]["Default"] == VAULTS["Parameters"][name]["Default"]
        assert central[name]["MinValue"] == VAULTS["Parameters"][name]["MinValue"]


def test_the_sandbox_deploys_the_lag_vault_as_the_template_gives_it(moto: None) -> None:
    # GIVEN the vaults stack deployed with a LAG vault named, its range the relay's defaults
    from backup_relay_sandbox.backup_sim import simulator
    from backup_relay_sandbox.cloud import REGION, client, reset
    from backup_relay_sandbox.member import deploy_vaults

    reset()
    simulator()  # AWS Backup's calls moto lacks, as Organization.build has them
    stack = deploy_vaults(REGION, LagVaultName="lag")
    # THEN AWS Backup (the simulator) has a logically air-gapped vault with the template's range
    backup = client("backup", REGION)
    described = backup.describe_backup_vault(BackupVaultName="lag")
    assert described["VaultType"] == "LOGICALLY_AIR_GAPPED_BACKUP_VAULT"
    assert (described["MinRetentionDays"], described["MaxRetentionDays"]) == (7, 36500)
    assert stack.values["LagVault.BackupVaultArn"] == described["BackupVaultArn"]
    # AND only the organization's backup roles may copy into it
    policy = backup.get_backup_vault_access_policy(BackupVaultName="lag")["Policy"]
    assert "backup:CopyIntoBackupVault" in policy
    # AND it is the region's only LAG vault (the central vault is a standard one)
    listed = backup.list_backup_vaults(ByVaultType="LOGICALLY_AIR_GAPPED_BACKUP_VAULT")
    assert [v["BackupVaultName"] for v in listed["BackupVaultList"]] == ["lag"]


def test_the_sandbox_shares_the_lag_vault_through_ram_as_the_template_gives_it(
    moto: None,
) -> None:
    # GIVEN the vaults stack deployed with a LAG vault shared with two accounts (LagShared)
    from backup_relay_sandbox.backup_sim import simulator
    from backup_relay_sandbox.cloud import REGION, client, reset
    from backup_relay_sandbox.member import deploy_vaults

    reset()
    simulator()
    accounts = ["222222222222", "333333333333"]
    stack = deploy_vaults(REGION, LagVaultName="lag", LagShared="true", LagShareWith=accounts)
    # THEN AWS RAM (moto's, taught to share a backup vault) has the share, the vault and the
    # accounts associated with it, named as the template names it
    ram = client("ram", REGION)
    vault = stack.values["LagVault.BackupVaultArn"]
    [share] = ram.get_resource_share_associations(associationType="RESOURCE", resourceArn=vault)[
        "resourceShareAssociations"
    ]
    assert (share["resourceShareName"], share["status"]) == ("lag-restore", "ASSOCIATED")
    assert stack.values["LagVaultShare.Arn"] == share["resourceShareArn"]
    principals = ram.get_resource_share_associations(
        associationType="PRINCIPAL", resourceShareArns=[share["resourceShareArn"]]
    )["resourceShareAssociations"]
    assert sorted(p["associatedEntity"] for p in principals) == accounts


# ---- the DR region's copy job events, to the home region's stack (DrEventsHomeRegion) ---------

CROSS_REGION = "https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-cross-region.html"
CENTRAL_ACCOUNT_ID = "111111111111"  # _values' AWS::AccountId
HOME, DR = "us-west-2", "us-east-1"


def _dr_values(**parameters: Any) -> dict[str, Any]:
    """The vaults stack of the DR region (DR), with `parameters`."""
    return _values(**{"DrRegion": DR, "AWS::Region": DR, **parameters})


def _rule_matches(pattern: dict[str, Any], event: dict[str, Any]) -> bool:
    return bool(EventPattern.load(json.dumps(pattern)).matches_event(event))


def test_the_dr_region_forwards_its_copy_job_events_only_when_a_home_region_is_named() -> None:
    # GIVEN the vaults stack: in the DR region without DrEventsHomeRegion, with it, and in the
    # home region (whose stack must not send anything back to the DR region)
    forwarding = {"DrEventsRule", "DrEventsRole"}
    # THEN only the DR region's stack with a home region named forwards
    assert forwarding & _created(_dr_values()) == set()
    assert forwarding & _created(_dr_values(DrEventsHomeRegion=HOME)) == forwarding
    home = _values(**{"DrRegion": DR, "AWS::Region": HOME, "DrEventsHomeRegion": HOME})
    assert forwarding & _created(home) == set()
    # AND naming the DR region itself is refused at deploy time
    rule = VAULTS["Rules"]["DrEventsGoToAnotherRegion"]
    assert rule["Assertions"][0]["Assert"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "DrEventsHomeRegion"}, {"Ref": "DrRegion"}]}]
    }


def test_the_forwarding_rule_sends_to_the_home_regions_default_bus_with_put_events_only() -> None:
    # GIVEN the DR region's rule and role, forwarding to HOME [CROSS_REGION]: a rule whose
    # target is the other region's bus, with a role allowed events:PutEvents on it
    values = _dr_values(DrEventsHomeRegion=HOME, **{"DrEventsRole.Arn": "arn:role"})
    rule = resolve(RESOURCES["DrEventsRule"]["Properties"], values)
    role = resolve(RESOURCES["DrEventsRole"]["Properties"], values)
    default_bus = f"arn:aws:events:{HOME}:{CENTRAL_ACCOUNT_ID}:event-bus/default"
    # THEN the target is the home region's DEFAULT bus of this account (not the relay bus:
    # only this account can put events there), the event unchanged (no transformer)
    [target] = rule["Targets"]
    assert target == {"Id": "home-region-default-bus", "Arn": default_bus, "RoleArn": "arn:role"}
    # AND the role, for EventBridge only, may put events on that bus and nothing else
    assert role["AssumeRolePolicyDocument"]["Statement"] == [
        {"Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"},
         "Action": "sts:AssumeRole"}
    ]  # fmt: skip
    [policy] = role["Policies"]
    assert policy["PolicyDocument"]["Statement"] == [
        {"Effect": "Allow", "Action": "events:PutEvents", "Resource": default_bus}
    ]


@pytest.mark.parametrize("name", JOB_EVENT_FILES + OTHER_EVENT_FILES)
def test_the_forwarding_pattern_takes_this_accounts_copy_jobs_of_this_region_only(
    name: str,
) -> None:
    # GIVEN the DR region's rule, and a documented AWS Backup event of this account in the DR
    # region, of another account there, and of this account forwarded from another region
    pattern = resolve(
        RESOURCES["DrEventsRule"]["Properties"]["EventPattern"],
        _dr_values(DrEventsHomeRegion=HOME),
    )
    ours = as_member_event(documented(name), account=CENTRAL_ACCOUNT_ID, region=DR)
    a_members = as_member_event(documented(name), account="222222222222", region=DR)
    from_elsewhere = as_member_event(documented(name), account=CENTRAL_ACCOUNT_ID, region=HOME)
    is_copy = ours["detail-type"] == "Copy Job State Change"
    # THEN it forwards this account's copy job events of the DR region, and nothing else: no
    # member's event, and no event of another region (a forwarded one never goes back: no loop)
    assert _rule_matches(pattern, ours) is is_copy
    assert not _rule_matches(pattern, a_members)
    assert not _rule_matches(pattern, from_elsewhere)


@pytest.mark.parametrize("name", [n for n in JOB_EVENT_FILES if n.startswith("copy_job_")])
def test_a_forwarded_copy_job_event_reaches_the_central_stacks_default_bus_rule(name: str) -> None:
    # GIVEN a copy job event of the central account in the DR region, as forwarded: EventBridge
    # keeps its account and region (INFERRED, see vaults/template.yaml)
    forwarded = as_member_event(documented(name), account=CENTRAL_ACCOUNT_ID, region=DR)
    central = load_template(CENTRAL_TEMPLATE)["Resources"]
    # THEN the central stack's DefaultBusCopyJobRule (the default bus: no EventBusName) takes it
    # into ingest as it takes the home region's own, whatever region it names
    rule = central["DefaultBusCopyJobRule"]["Properties"]
    assert "EventBusName" not in rule
    assert _rule_matches(rule["EventPattern"], forwarded)


def test_the_central_stack_waits_for_dr_events_only_when_told_they_are_forwarded() -> None:
    # GIVEN the central stack's DrEventsForwarded, which the operator sets with the DR region's
    # DrEventsHomeRegion: off by default, as DrEventsHomeRegion is empty by default
    central = load_template(CENTRAL_TEMPLATE)
    assert central["Parameters"]["DrEventsForwarded"]["Default"] == "false"
    assert VAULTS["Parameters"]["DrEventsHomeRegion"]["Default"] == ""
    # THEN chain-steps, which sets each hop's wait, reads it
    variables = central["Resources"]["ChainStepsFunction"]["Properties"]["Environment"]
    assert variables["Variables"]["DR_EVENTS_FORWARDED"] == {"Ref": "DrEventsForwarded"}
