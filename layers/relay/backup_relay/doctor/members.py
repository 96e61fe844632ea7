"""Rules over a member account (as its member stack's DoctorRole sees it) and the central
account together: the member's keys, plans, forwarding, databases and settings."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from backup_relay.doctor.copies import (
    central_copies_fit_the_central_vault_lock,
    dynamodb_copies_can_cross_accounts,
    member_keys_usable_by_their_own_account,
)
from backup_relay.doctor.facts import (
    CentralFacts,
    MemberFacts,
    OptionGroupFacts,
    RecoveryPointKey,
)
from backup_relay.doctor.policy import lets_account_grant, lets_account_use
from backup_relay.doctor.report import Finding
from backup_relay.doctor.rules import rule
from backup_relay.domain.categories import Category
from backup_relay.domain.failures import KEY_STATEMENTS, SERVICE_ROLE, Severity

#: The tagging convention: backup=enabled selects, disabled opts out, custom keeps its own.
BACKUP_TAG = "backup"


def central_vault_arn(central: CentralFacts, region: str) -> str:
    name = next(v.arn.rsplit(":", 1)[-1] for v in central.vaults if v.role == "central")
    return f"arn:aws:backup:{region}:{central.account}:backup-vault:{name}"


def _finding(  # noqa: PLR0917  (a finding's fields, in their order)
    member: MemberFacts,
    category: Category,
    resource: str,
    problem: str,
    fix: str,
    severity: Severity = Severity.ERROR,
) -> Finding:
    return Finding(
        severity=severity,
        category=category,
        account=member.account,
        region=member.region,
        resource=resource,
        problem=problem,
        fix=fix,
    )


@rule(Category.AWS_MANAGED_KEY, Category.KMS_KEY_NOT_SHARED, Category.KEY_DISABLED)
def member_keys_usable(member: MemberFacts, central: CentralFacts) -> Iterable[Finding]:
    """One finding per key (not per recovery point): the fix is the key's. Shared means what
    https://docs.aws.amazon.com/aws-backup/latest/devguide/create-cross-account-backup.html
    shares: the key's use (kms:Decrypt, ...) and the grant statement (kms:CreateGrant under
    kms:GrantIsForAWSResource) for the destination account."""
    by_key: dict[str, list[RecoveryPointKey]] = {}
    for point in member.recovery_points:
        shared = lets_account_use(point.key_policy, central.account) and lets_account_grant(
            point.key_policy, central.account, central.organization_id
        )
        if point.key_aws_managed or not shared or point.key_state != "Enabled":
            by_key.setdefault(point.key_arn, []).append(point)
    for key_arn, points in by_key.items():
        types = ", ".join(sorted({p.resource_type for p in points}))
        counted = f"{len(points)} {types} recovery point(s)"
        if points[0].key_aws_managed:
            yield _finding(
                member,
                Category.AWS_MANAGED_KEY,
                key_arn,
                f"{counted} are encrypted with an AWS managed key, whose policy cannot let the "
                "central account use it",
                "encrypt the resources with a customer managed key shared with account "
                f"{central.account}, and back them up again",
            )
        elif points[0].key_state != "Enabled":
            yield _finding(
                member,
                Category.KEY_DISABLED,
                key_arn,
                f"{counted} are encrypted with a key that is {points[0].key_state}: they "
                "cannot be copied, or restored",
                f"in account {member.account}: aws kms cancel-key-deletion / enable-key "
                f"--key-id {key_arn}",
            )
        else:
            yield _finding(
                member,
                Category.KMS_KEY_NOT_SHARED,
                key_arn,
                f"{counted} are encrypted with a key whose policy does not let account "
                f"{central.account} use it (kms:Decrypt, and kms:CreateGrant for AWS "
                "resources): their copies into the central vault will fail",
                "add to its key policy a statement allowing the principal "
                f"{SERVICE_ROLE.format(destination_account=central.account)} {KEY_STATEMENTS}",
            )


@rule(Category.NOT_SAME_ORGANIZATION)
def member_in_the_organization(member: MemberFacts, central: CentralFacts) -> Iterable[Finding]:
    accounts = central.organization.accounts
    if accounts is not None and member.account not in accounts:
        yield _finding(
            member,
            Category.NOT_SAME_ORGANIZATION,
            f"account {member.account}",
            f"account {member.account} is not in organization {central.organization_id}: "
            "AWS Backup refuses its copies into the central vault",
            f"invite it into the organization from account "
            f"{central.organization.management_account or 'the management account'}, or remove "
            "it from AllowedSourceAccounts",
        )


@rule(Category.MEMBER_PLAN)
def member_copies_into_the_central_vault(
    member: MemberFacts, central: CentralFacts
) -> Iterable[Finding]:
    if member.plan_copies is None:
        return
    vault = central_vault_arn(central, member.region)
    if not any(copy.destination_vault_arn == vault for copy in member.plan_copies):
        yield _finding(
            member,
            Category.MEMBER_PLAN,
            vault,
            "no backup plan of the member (its own or a backup policy's) copies into the "
            f"central vault of {member.region}: its databases never reach the chain",
            "deploy the member stack with CreateBackupPlan=true (a plan selecting backup=enabled "
            f"that copies to {vault}), or add that copy action to the organization's backup "
            "policy",
        )


@rule(Category.FORWARDING)
def member_forwards_its_events(member: MemberFacts, central: CentralFacts) -> Iterable[Finding]:
    rules = member.forwarding_rules
    if rules is None:
        return
    forwarding = [r for r in rules if r.enabled and "aws.backup" in r.sources]
    ready = [r for r in forwarding if not r.missing_roles]
    if ready:
        return
    if forwarding:
        missing = sorted({role for r in forwarding for role in r.missing_roles})
        problem = f"the forwarding rule's role {', '.join(missing)} does not exist"
    elif rules:
        problem = f"the forwarding rule {rules[0].name} is disabled"
    else:
        problem = "no rule of the default bus forwards aws.backup events to the central bus"
    yield _finding(
        member,
        Category.FORWARDING,
        f"default event bus of {member.account}",
        f"{problem}: the chain never hears of this account's backups and copies",
        "deploy (or update) the member stack in this account and region "
        "(member/template.yaml, usually through the StackSet)",
    )


@rule(Category.FORWARD_DEAD_LETTERS)
def forwarded_events_reached_the_central_bus(
    member: MemberFacts, central: CentralFacts
) -> Iterable[Finding]:
    """AWS documents CloudWatch alarm actions on a topic of the alarm's own account only, so the
    member's dead-letter queue is read here, through its DoctorRole, not by an alarm."""
    waiting = sum(r.dead_letters or 0 for r in member.forwarding_rules or [])
    if waiting:
        queues = sorted({q for r in member.forwarding_rules or [] for q in r.dead_letter_queues})
        yield _finding(
            member,
            Category.FORWARD_DEAD_LETTERS,
            ", ".join(queues),
            f"{waiting} AWS Backup event(s) of this account never reached the central bus (the "
            "forwarding rule gave up on them): jobs they report were not chained or alerted",
            "fix what refused them (the central bus policy must allow this account's "
            "organization; the forward role must exist and allow events:PutEvents on the central "
            "bus), then send the queue's messages' events again with `aws events put-events` and "
            "run `backup-relay replay --since 14d` for the copies they would have started",
        )


@rule(Category.TAGGING)
def databases_follow_the_tagging_convention(
    member: MemberFacts, central: CentralFacts
) -> Iterable[Finding]:
    """A warning per kind of gap (untagged, custom), naming the databases."""
    chained = member.resources or []  # the adapter reads the chained types only
    untagged = [r for r in chained if BACKUP_TAG not in r.tags]
    custom = [r for r in chained if r.tags.get(BACKUP_TAG) == "custom"]
    for gap, found, fix in (
        (
            "are not tagged backup=enabled, disabled or custom",
            untagged,
            "tag each backup=enabled (copied by the chain) or backup=disabled (no backup wanted)",
        ),
        (
            "are tagged backup=custom",
            custom,
            "confirm each team keeps a copy outside the account, or tag backup=enabled",
        ),
    ):
        if found:
            yield _finding(
                member,
                Category.TAGGING,
                f"databases that {gap.split(' ', 1)[1]}",
                f"{len(found)} database(s) {gap}: they have no copy outside account "
                f"{member.account}: {', '.join(r.arn for r in found)}",
                fix,
                severity=Severity.WARNING,
            )


@rule(Category.UNSUPPORTED_COPY_ROUTE)
def no_multi_az_clusters_selected(member: MemberFacts, central: CentralFacts) -> Iterable[Finding]:
    for resource in member.resources or []:
        if resource.multi_az_cluster and resource.tags.get(BACKUP_TAG) == "enabled":
            yield _finding(
                member,
                Category.UNSUPPORTED_COPY_ROUTE,
                resource.arn,
                "an RDS Multi-AZ DB cluster is tagged backup=enabled, but AWS Backup copies no "
                "Multi-AZ cluster snapshot: its copies will fail",
                # Not backup=custom: the tagging convention discourages it and
                # databases_follow_the_tagging_convention warns about it every day.
                "tag it backup=disabled and keep its DR outside backup-relay (a cross-Region "
                "read replica), or move it to a Multi-AZ DB instance deployment, whose "
                "snapshots AWS Backup copies (https://docs.aws.amazon.com/aws-backup/latest/"
                "devguide/backup-feature-availability.html), and keep backup=enabled",
            )


@rule(Category.OPTION_GROUP_MISSING)
def dr_region_has_the_option_groups(
    central: CentralFacts, members: Sequence[MemberFacts]
) -> Iterable[Finding]:
    """An RDS instance's options must exist in an option group of its engine and major version
    in the DR region, or its cross-region hop fails."""
    if central.dr_region is None or central.dr_option_groups is None:
        return
    needed: dict[tuple[str, str, tuple[str, ...]], list[str]] = {}
    for member in members:
        for resource in member.resources or []:
            group = resource.option_group
            if group and group.options and resource.tags.get(BACKUP_TAG) == "enabled":
                key = (group.engine, group.major_version, tuple(sorted(group.options)))
                needed.setdefault(key, []).append(resource.arn)
    for (engine, version, options), arns in needed.items():
        if not any(_has(g, engine, version, options) for g in central.dr_option_groups):
            yield Finding(
                severity=Severity.ERROR,
                category=Category.OPTION_GROUP_MISSING,
                account=central.account,
                region=central.dr_region,
                resource=f"option group for {engine} {version} with {', '.join(options)}",
                problem=f"no option group of {engine} {version} in {central.dr_region} has "
                f"{', '.join(options)}: the DR hop of {len(arns)} database(s) will fail "
                f"({', '.join(arns[:3])}{', ...' if len(arns) > 3 else ''})",
                fix=f"in account {central.account}, region {central.dr_region}: aws rds "
                f"create-option-group --engine-name {engine} --major-engine-version {version} "
                "--option-group-name backup-relay-dr-... then add-option-to-option-group "
                f"with {', '.join(options)}",
            )


def _has(group: OptionGroupFacts, engine: str, version: str, options: tuple[str, ...]) -> bool:
    return (group.engine, group.major_version) == (engine, version) and set(options) <= set(
        group.options
    )


#: A member's rules, in the order their findings are listed.
MEMBER_RULES = (
    member_in_the_organization,
    member_keys_usable,
    member_keys_usable_by_their_own_account,
    member_copies_into_the_central_vault,
    member_forwards_its_events,
    forwarded_events_reached_the_central_bus,
    databases_follow_the_tagging_convention,
    no_multi_az_clusters_selected,
    dynamodb_copies_can_cross_accounts,
    central_copies_fit_the_central_vault_lock,
)
