"""The role the central stack creates for the chain's copies (template.yaml's BackupRole) is one
the doctor's central role rules accept: what they ask of a role is what the template gives."""

from __future__ import annotations

from backup_relay.doctor.facts import CentralFacts
from backup_relay.doctor.roles import CENTRAL_ROLE_RULES
from backup_relay_sandbox.template import CENTRAL_TEMPLATE, load_template


def test_the_templates_backup_role_passes_the_central_role_rules() -> None:
    # GIVEN the managed policies template.yaml attaches to BackupRole, and its trust
    role = load_template(CENTRAL_TEMPLATE)["Resources"]["BackupRole"]["Properties"]
    arns = [a["Fn::Sub"] if isinstance(a, dict) else a for a in role["ManagedPolicyArns"]]
    [trust] = role["AssumeRolePolicyDocument"]["Statement"]
    central = CentralFacts(
        account="123456789012",
        organization_id="o-a1b2c3d4e5",
        vaults=[],
        cross_account_backup=True,
        backup_role_arn="arn:aws:iam::123456789012:role/backup-relay/BackupRole",
        backup_role_exists=True,
        backup_role_trusts_backup=trust["Principal"]["Service"] == "backup.amazonaws.com",
        backup_role_policies=[arn.rsplit("/", 1)[-1] for arn in arns],
    )
    # WHEN the central role rules read it THEN they find nothing
    assert central.backup_role_trusts_backup
    assert [f for rule in CENTRAL_ROLE_RULES for f in rule(central)] == []
