"""With OnDemandBackupsToDr on, the ingest copies a member's on-demand backup into the central
vault as the member stack's ReplayRole (`<MemberReplayRoleName>-<region>`, copy_chain/
on_demand.py): that role must exist and trust the central stack's IngestFunction, whose role
lives under template.yaml's RolePath `/backup-relay/<CentralStackName>/`.

The member stack's trust names the central account's root as principal and the roles by an
`ArnLike` condition on `aws:PrincipalArn` (`.../role/backup-relay/<CentralStackName>/*`, plus
ReplayPrincipalArns). IAM's pages:
- a role trusted by another account: the trust policy names the account (its root) or the role,
  https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_common-scenarios_aws-accounts.html
- `aws:PrincipalArn`, compared with ArnLike/StringLike patterns:
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalarn
INFERRED: the IngestFunction's role is named `<CentralStackName>-IngestFunctionRole-<suffix>`
(SAM's generated name under the RolePath); a trust that names one exact role ARN of another
name is read as not trusting it. Conditions on other keys are not evaluated.
"""

from __future__ import annotations

from collections.abc import Iterable
from fnmatch import fnmatchcase

from backup_relay.doctor.facts import CentralFacts, MemberFacts
from backup_relay.doctor.policy import allows, as_list, names_account, principals
from backup_relay.doctor.report import Finding
from backup_relay.doctor.rules import rule
from backup_relay.domain.categories import Category
from backup_relay.domain.failures import Severity

TRUST_PAGE = (
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_common-scenarios_aws-accounts.html"
)
_ASSUME = ("sts:AssumeRole", "sts:*", "*")
_ARN_CONDITIONS = ("ArnLike", "ArnEquals", "StringLike", "StringEquals")


def ingest_role_arn(central: CentralFacts) -> str | None:
    """A representative ARN of the IngestFunction's role (INFERRED name, see above)."""
    path = central.function_role_path
    if not path:
        return None
    stack = path.rstrip("/").rsplit("/", 1)[-1]
    return f"{path}{stack}-IngestFunctionRole-0"


def trusts(policy: str | None, principal_arn: str) -> bool:
    """Does an Allow statement let `principal_arn` (a role of another account) sts:AssumeRole:
    its principal names the role's account (root, id, "*") or matches the role, and every
    aws:PrincipalArn condition it carries matches the role?"""
    account = principal_arn.split(":")[4]
    for statement in allows(policy, _ASSUME):
        names = principals(statement)
        if not any(
            names_account(name, account)
            and (":role/" not in name or fnmatchcase(principal_arn, name))
            for name in names
        ):
            continue
        patterns = [
            pattern
            for operator, block in (statement.get("Condition") or {}).items()
            if operator in _ARN_CONDITIONS and isinstance(block, dict)
            for key, values in block.items()
            if key.lower() == "aws:principalarn"
            for pattern in as_list(values)
        ]
        if not patterns or any(fnmatchcase(principal_arn, str(p)) for p in patterns):
            return True
    return False


@rule(Category.IAM_ROLE_PERMISSIONS)
def replay_role_trusts_the_ingest(member: MemberFacts, central: CentralFacts) -> Iterable[Finding]:
    role = member.replay_role
    principal = ingest_role_arn(central)
    if not central.on_demand_backups_to_dr or role is None or principal is None:
        return
    path = f"{central.function_role_path}*"
    stack = principal.rsplit("/", 2)[-2]
    redeploy = (
        f"deploy the member stack in account {member.account}, region {member.region} with "
        f"ReplayRoleName={role.arn.rsplit('/', 1)[-1].removesuffix('-' + member.region)} and "
        f"CentralStackName={stack} (its ReplayRole trusts {path})"
    )
    if not role.exists:
        yield Finding(
            severity=Severity.ERROR,
            category=Category.IAM_ROLE_PERMISSIONS,
            account=member.account,
            region=member.region,
            resource=role.arn,
            problem="OnDemandBackupsToDr is on, but the member stack's ReplayRole does not "
            "exist: this account's on-demand backups never reach the central vault, nor DR",
            fix=redeploy + ", or turn OnDemandBackupsToDr off",
            docs=TRUST_PAGE,
        )
    elif not trusts(role.trust_policy, principal):
        yield Finding(
            severity=Severity.ERROR,
            category=Category.IAM_ROLE_PERMISSIONS,
            account=member.account,
            region=member.region,
            resource=role.arn,
            problem=f"the member stack's ReplayRole does not trust the central stack's "
            f"functions ({path}): the ingest cannot copy this account's on-demand backups "
            "into the central vault (OnDemandBackupsToDr), nor can replay copy its failed copies",
            fix=redeploy + ", or add a statement to its trust policy: "
            f'{{"Effect": "Allow", "Principal": {{"AWS": "arn:aws:iam::{central.account}:root"}}, '
            f'"Action": "sts:AssumeRole", "Condition": {{"ArnLike": {{"aws:PrincipalArn": '
            f'"{path}"}}}}}}',
            docs=TRUST_PAGE,
        )


#: The on-demand path's member rules.
ON_DEMAND_RULES = (replay_role_trusts_the_ingest,)
