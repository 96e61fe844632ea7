"""Rules over AdditionalDestinations' vaults (`TYPE:REGION:VAULT`, domain/routes.py
Destination), each read in its region of the central account, and over the AWS RAM shares
through which members may restore from a logically air-gapped (LAG) one.

AWS's pages, as each rule cites them:
- [lag] Logically air-gapped vault: its type (DescribeBackupVault's VaultType
  LOGICALLY_AIR_GAPPED_BACKUP_VAULT), its compliance lock's minimum and maximum retention (a
  copy whose retention falls outside them fails), its sharing through AWS RAM for restores in
  other accounts: https://docs.aws.amazon.com/aws-backup/latest/devguide/logicallyairgappedvault.html
- [describe] DescribeBackupVault's VaultType, MinRetentionDays, MaxRetentionDays:
  https://docs.aws.amazon.com/aws-backup/latest/devguide/API_DescribeBackupVault.html
- [encryption] a standard vault on the AWS managed key receives no copy of the types AWS
  Backup does not fully manage (RDS, Aurora, DocumentDB, Neptune):
  https://docs.aws.amazon.com/aws-backup/latest/devguide/encryption.html
- [ram-org] RAM's sharing with AWS Organizations, turned on from the management account
  (without it, only individual accounts may be named, and they are invited):
  https://docs.aws.amazon.com/ram/latest/APIReference/API_EnableSharingWithAwsOrganization.html
- [ram-shares] a share's status and its resources' and principals' associations:
  https://docs.aws.amazon.com/ram/latest/APIReference/API_GetResourceShareAssociations.html
"""

from __future__ import annotations

from collections.abc import Iterable

from backup_relay.doctor.facts import CentralFacts, DestinationFacts
from backup_relay.doctor.report import Finding
from backup_relay.doctor.rules import rule
from backup_relay.doctor.sharing import served_accounts
from backup_relay.domain.categories import Category
from backup_relay.domain.failures import Severity

LAG_PAGE = "https://docs.aws.amazon.com/aws-backup/latest/devguide/logicallyairgappedvault.html"
ENCRYPTION_PAGE = "https://docs.aws.amazon.com/aws-backup/latest/devguide/encryption.html"
RAM_ORG_PAGE = (
    "https://docs.aws.amazon.com/ram/latest/APIReference/API_EnableSharingWithAwsOrganization.html"
)
RAM_SHARES_PAGE = (
    "https://docs.aws.amazon.com/ram/latest/APIReference/API_GetResourceShareAssociations.html"
)
LAG_VAULT_TYPE = "LOGICALLY_AIR_GAPPED_BACKUP_VAULT"


def _finding(  # noqa: PLR0917  (a finding's fields, in their order)
    destination: DestinationFacts,
    category: Category,
    problem: str,
    fix: str,
    docs: str,
    severity: Severity = Severity.ERROR,
    resource: str | None = None,
) -> Finding:
    vault = destination.vault
    return Finding(
        severity=severity,
        category=category,
        account=vault.account,
        region=vault.region,
        resource=resource or vault.arn,
        problem=problem,
        fix=fix,
        docs=docs,
    )


@rule(Category.VAULT_MISSING, Category.VAULT_LOCK_RETENTION, Category.DEFAULT_VAULT_KEY)
def destination_vaults_ready(central: CentralFacts) -> Iterable[Finding]:
    """Each destination's vault exists, has the entry's type, and: a LAG one's retention range
    is the stack's LagMinRetentionDays/LagMaxRetentionDays (the planner refuses copies outside
    that range at plan time: a different range makes it refuse what the vault takes, or plan
    what the vault refuses) [lag]; a standard one is on a customer managed key [encryption]."""
    for destination in central.destinations:
        yield from _destination_findings(destination, central)


def _destination_findings(
    destination: DestinationFacts, central: CentralFacts
) -> Iterable[Finding]:
    vault, label = destination.vault, destination.label
    lag = destination.logically_air_gapped
    name = vault.arn.rsplit(":", 1)[-1]
    create = (
        f"deploy vaults/template.yaml in {vault.region} with LagVaultName={name}"
        if lag
        else f"create it in {vault.region} with a customer managed KMS key"
    )
    if vault.unreachable or vault.denied or not vault.exists:
        why = (
            f"its region did not answer: {vault.unreachable}"
            if vault.unreachable
            else "it does not exist, or this account may not read it"
            if vault.denied
            else "it does not exist"
        )
        yield _finding(
            destination,
            Category.VAULT_MISSING,
            f"the destination {label} (AdditionalDestinations) names a vault, but {why}: "
            "every copy into it fails",
            f"{create}, or remove {label} from the central stack's AdditionalDestinations",
            LAG_PAGE if lag else ENCRYPTION_PAGE,
        )
        return
    # AWS gives every vault's VaultType [describe]; a vault without one is read as standard
    is_lag = vault.vault_type == LAG_VAULT_TYPE
    if lag != is_lag:
        found = "a logically air-gapped vault" if is_lag else "a standard backup vault"
        written = ("lag" if is_lag else "standard") + label[label.index(":") :]
        yield _finding(
            destination,
            Category.VAULT_MISSING,
            f"the destination {label} is {found}, not the vault type its entry says: the "
            "chain plans its copies by the wrong route (and retention range)",
            f"write it {written} in AdditionalDestinations, or name a vault of the type the "
            f"entry says ({create})",
            LAG_PAGE,
        )
        return
    if lag:
        found_range = (vault.lock_min_retention_days, vault.lock_max_retention_days)
        if central.lag_retention is not None and found_range != central.lag_retention:
            low, high = central.lag_retention
            yield _finding(
                destination,
                Category.VAULT_LOCK_RETENTION,
                f"the LAG vault keeps recovery points {found_range[0]} to {found_range[1]} "
                f"days, but the central stack plans copies into it for {low} to {high} "
                "days (LagMinRetentionDays, LagMaxRetentionDays): plan-time retention checks "
                "pass copies the vault refuses, or refuse copies it would take",
                f"set the central stack's LagMinRetentionDays={found_range[0]} and "
                f"LagMaxRetentionDays={found_range[1]} (a LAG vault's range cannot change)",
                LAG_PAGE,
            )
    elif vault.key_aws_managed:
        yield _finding(
            destination,
            Category.DEFAULT_VAULT_KEY,
            f"the destination {label} is encrypted with an AWS managed key ({vault.key_arn}): "
            "copies of RDS, Aurora, DocumentDB and Neptune into it fail",
            "a vault's key cannot change: create the vault again with a customer managed key, "
            "as the DR vault's (vaults/template.yaml)",
            ENCRYPTION_PAGE,
        )


@rule(Category.VAULT_ACCESS_POLICY, Category.ORGANIZATION_SETUP)
def lag_vaults_shared_for_restores(central: CentralFacts) -> Iterable[Finding]:
    """For a LAG destination shared through AWS RAM (the vaults stack's LagShared, so members
    restore from it): each share is ACTIVE with the vault ASSOCIATED [ram-shares]; it names
    accounts, as AWS shares a LAG vault ("The vault cannot be shared with an entire
    organization, only with accounts within the organization", [lag] "Share a logically
    air-gapped vault"), every served account among them; and RAM's sharing with AWS
    Organizations is on, or each named account must accept an invitation (the LAG page gives
    12 hours; that sharing with the organization spares it within the organization is the RAM
    API reference's, [ram-org]). A LAG vault shared with no one is not checked: restores from
    it then stay in the central account (the checked line says so)."""
    for destination in central.destinations:
        if destination.logically_air_gapped and destination.vault.exists:
            yield from _share_findings(destination, central)


def _share_findings(destination: DestinationFacts, central: CentralFacts) -> Iterable[Finding]:
    shares = destination.shares or []
    for share in shares:
        if share.status != "ACTIVE" or share.association_status != "ASSOCIATED":
            yield _finding(
                destination,
                Category.VAULT_ACCESS_POLICY,
                f"the AWS RAM share {share.name} of the LAG vault is {share.status}, the "
                f"vault's association {share.association_status}: members cannot restore "
                "from the vault through it",
                "deploy the vaults stack again (LagShared=true), or: aws ram "
                f"associate-resource-share --resource-share-arn {share.arn} --resource-arns "
                f"{destination.vault.arn}",
                RAM_SHARES_PAGE,
                resource=share.arn,
            )
    usable = [s for s in shares if s.status == "ACTIVE" and s.association_status == "ASSOCIATED"]
    if not usable:
        return
    principals = {p for share in usable for p in share.principals}
    served = served_accounts(central) or []
    by_organization = sorted(p for p in principals if ":organizations::" in p)
    if by_organization:
        yield _finding(
            destination,
            Category.VAULT_ACCESS_POLICY,
            f"the LAG vault's AWS RAM share names {', '.join(by_organization)}, but AWS shares "
            "a logically air-gapped vault with accounts only, never with an entire "
            "organization (or OU): members cannot restore from it through that principal",
            "list the accounts in the vaults stack's LagShareWith"
            + (f" ({','.join(served)})" if served else "")
            + " and deploy it again, or: aws ram associate-resource-share --resource-share-arn "
            f"{usable[0].arn} --principals <account ids>",
            LAG_PAGE,
            resource=usable[0].arn,
        )
    accounts = {p for p in principals if p not in by_organization}
    missing = [a for a in served if a not in accounts]
    if accounts and missing:
        arn = usable[0].arn
        yield _finding(
            destination,
            Category.VAULT_ACCESS_POLICY,
            f"the LAG vault's AWS RAM share(s) name accounts, but not {', '.join(missing)} "
            "that the relay serves: they cannot restore from the vault",
            f"aws ram associate-resource-share --resource-share-arn {arn} --principals "
            f"{' '.join(missing)} (or add them to the vaults stack's LagShareWith)",
            RAM_SHARES_PAGE,
            severity=Severity.WARNING,
            resource=arn,
        )
    if accounts and central.organization.ram_trusted_access is False:
        yield _finding(
            destination,
            Category.ORGANIZATION_SETUP,
            "the LAG vault is shared through AWS RAM with accounts, but RAM's sharing with AWS "
            "Organizations is off: each account must accept the share's invitation (within 12 "
            "hours, the LAG page says) before it can restore from the vault",
            f"in the management account "
            f"({central.organization.management_account or 'of the organization'}): aws ram "
            "enable-sharing-with-aws-organization",
            RAM_ORG_PAGE,
            severity=Severity.WARNING,
            resource=", ".join(sorted(accounts)),
        )


#: The destinations' rules, in the order their findings are listed.
DESTINATION_RULES = (destination_vaults_ready, lag_vaults_shared_for_restores)
