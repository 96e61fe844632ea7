"""Rules over the settings that decide which of the members' selected resources AWS Backup
backs up: each member's own resource-type opt-ins, for its own plans, and the management
account's, for the plans backup policies make.

AWS's pages:
- [opt-in] UpdateRegionSettings: "If resource assignments are only based on tags, then service
  opt-in settings are applied. If a resource type is explicitly assigned to a backup plan ... it
  will be included in the backup even if the opt-in is not enabled":
  https://docs.aws.amazon.com/aws-backup/latest/devguide/API_UpdateRegionSettings.html
- [service opt-in] https://docs.aws.amazon.com/aws-backup/latest/devguide/assigning-resources.html
- [per account] UpdateRegionSettings "Updates the current service opt-in settings for the
  Region" of the account that calls it: a member's own settings decide for its own plans.
- [opt-in rules] "If a member account's backup plan was created by an Organizations-level backup
  policy, the AWS Backup opt-in settings for the Organizations management account will override
  the opt-in settings in that member account, but only for that backup plan. If the member
  account also has local-level backup plans created by users, those backup plans will follow
  the opt-in settings in the member account, without reference to the Organizations management
  account's opt-in settings":
  https://docs.aws.amazon.com/aws-backup/latest/devguide/manage-cross-account.html
INFERRED: which plans a backup policy made (`Selection.from_backup_policy`, read by
`domain.backup_policies.made_by_backup_policy`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from backup_relay.doctor.delegation import needs_checking
from backup_relay.doctor.facts import CentralFacts, MemberFacts
from backup_relay.doctor.report import Finding
from backup_relay.doctor.resource_facts import Selection
from backup_relay.doctor.resources import grouped, selected
from backup_relay.doctor.rules import rule
from backup_relay.domain.categories import Category
from backup_relay.domain.failures import Severity

OPT_IN_PAGE = "https://docs.aws.amazon.com/aws-backup/latest/devguide/API_UpdateRegionSettings.html"
OPT_IN_RULES_PAGE = (
    "https://docs.aws.amazon.com/aws-backup/latest/devguide/manage-cross-account.html"
)


def _is_management(central: CentralFacts) -> bool:
    return central.organization.management_account == central.account


def _by_tags_only(holding: Sequence[Selection]) -> bool:
    """A selection that holds the resource assigns no type: tags (or "*") only [opt-in]."""
    return any(set(s.resources) <= {"*"} for s in holding)


@rule(Category.RESOURCE_PREREQUISITE)
def member_opts_in_its_selected_types(
    member: MemberFacts, central: CentralFacts
) -> Iterable[Finding]:
    """Each type the member's OWN plans select by tags only is opted in in the member's region
    [opt-in] [per account]: one finding per type, naming its resources."""
    opt_in = member.resource_type_opt_in
    if opt_in is None:
        return
    by_type: dict[str, list[str]] = {}
    for resource, holding in selected(member):
        own = [s for s in holding if not s.from_backup_policy]
        if _by_tags_only(own) and opt_in.get(resource.resource_type) is False:
            by_type.setdefault(resource.resource_type, []).append(resource.arn)
    for resource_type, arns in sorted(by_type.items()):
        yield grouped(
            member,
            Category.RESOURCE_PREREQUISITE,
            f"AWS Backup's opt-in of {resource_type} in account {member.account}",
            arns,
            f"{resource_type} resource(s) the account's own plans select by tags are not backed "
            f"up: the account has not opted in to {resource_type} in {member.region}, and a "
            "selection by tags leaves out the types not opted in",
            f"in account {member.account}: aws backup update-region-settings --region "
            f"{member.region} --resource-type-opt-in-preference {resource_type}=true (or assign "
            f"the resources by ARN: an explicit {resource_type} assignment ignores the opt-in)",
            docs=OPT_IN_PAGE,
        )


def member_opt_ins_checked(member: MemberFacts) -> tuple[list[str], list[str]]:
    """What the report lists as checked for the member's opt-ins, or could not check."""
    if member.resource_type_opt_in is not None:
        return ["the account's own resource-type opt-ins"], []
    return [], [
        f"the resource-type opt-ins of member {member.account} {member.region} (they decide "
        "for its own plans' selections by tags): could not check; its DoctorRole needs "
        "backup:DescribeRegionSettings (update the member stack)"
    ]


@rule(Category.RESOURCE_PREREQUISITE)
def management_opts_in_the_selected_types(
    central: CentralFacts, members: Sequence[MemberFacts]
) -> Iterable[Finding]:
    """Each type the plans backup POLICIES made select by tags is opted in by the management
    account, when backup policies are on and the doctor runs as the management account (it
    reads its own settings) [opt-in rules]: its setting decides for those plans only, and a
    selection by tags leaves out the types not opted in [opt-in]. A member's own plans answer to
    the member's settings alone (`member_opts_in_its_selected_types`)."""
    opt_in = central.resource_type_opt_in
    if opt_in is None or not _is_management(central):
        return
    if central.organization.backup_policies_enabled is False:
        return
    by_type: dict[str, list[str]] = {}
    for member in members:
        for resource, holding in selected(member):
            made_by_policies = [s for s in holding if s.from_backup_policy]
            if _by_tags_only(made_by_policies) and opt_in.get(resource.resource_type) is False:
                by_type.setdefault(resource.resource_type, []).append(resource.arn)
    for resource_type, arns in sorted(by_type.items()):
        yield Finding(
            severity=Severity.ERROR,
            category=Category.RESOURCE_PREREQUISITE,
            account=central.account,
            region="-",
            resource=f"AWS Backup's opt-in of {resource_type} in the management account",
            problem=f"the management account has not opted in to {resource_type}, and its "
            f"setting decides for backup policies: {len(arns)} {resource_type} resource(s) the "
            f"members' backup-policy plans select by tags are not backed up by them "
            f"({', '.join(arns[:5])})",
            fix=f"in account {central.account}, each region: aws backup update-region-settings "
            f"--resource-type-opt-in-preference {resource_type}=true",
            docs=OPT_IN_RULES_PAGE,
            resources=sorted(arns),
        )


def organization_checked(central: CentralFacts) -> tuple[list[str], list[str]]:
    """What the report lists as checked, and as not checked with who can check it."""
    management = central.organization.management_account
    if central.resource_type_opt_in is not None and _is_management(central):
        checked = ["the management account's resource-type opt-ins"]
        skipped = []
    else:
        checked = []
        skipped = [
            "the management account's resource-type opt-ins (they decide for backup "
            f"policies): could not check from account {central.account}; run `backup-relay "
            f"doctor` as the management account {management or ''} "
            "(backup:DescribeRegionSettings)".replace("  ", " ")
        ]
    admins = needs_checking(central)
    if admins and central.organization.delegation_policy_read:
        checked.append(
            "the Organizations delegation policy for AWS Backup's delegated "
            "administrators (backup policies)"
        )
    elif admins:
        skipped.append(
            "the Organizations delegation policy that lets AWS Backup's delegated "
            f"administrator{'s' if len(admins) > 1 else ''} {', '.join(admins)} manage backup "
            f"policies: could not check from account {central.account}; run `backup-relay "
            "doctor` as the management account or a delegated administrator, with "
            "organizations:DescribeResourcePolicy"
        )
    return checked, skipped
