"""Is a central vault shared as AWS documents it? Its access policy lets the served accounts copy
in, its key lets their AWSServiceRoleForBackup use it (for bring-back): either the organization
(a "*" principal under aws:PrincipalOrgID), or each served account by name, as AWS's
least-privilege examples do. Each answer is None (shared) or (problem, fix)."""

from __future__ import annotations

import json
from collections.abc import Callable

from backup_relay.doctor.facts import CentralFacts, VaultFacts
from backup_relay.doctor.policy import (
    accounts_allowed,
    allows_organization,
    lets_account_grant,
    lets_organization_use,
    named_accounts,
)
from backup_relay.domain.failures import KEY_STATEMENTS, SERVICE_ROLE

COPY_INTO = "backup:CopyIntoBackupVault"


def served_accounts(facts: CentralFacts) -> list[str] | None:
    """The member accounts the relay serves: AllowedSourceAccounts, else the organization's
    (but the central account); None when neither is known (only the management account or a
    delegated administrator may list the organization's accounts)."""
    if facts.source_accounts:
        return sorted(set(facts.source_accounts) - {facts.account})
    accounts = facts.organization.accounts
    return None if accounts is None else sorted(set(accounts) - {facts.account})


def missing_accounts(
    policy: str | None, facts: CentralFacts, granted: Callable[[str], bool], action: str
) -> list[str] | None:
    """The served accounts `granted` refuses, for a policy that does not grant the organization:
    None when the policy names no account for `action`; when the served accounts are unknown,
    [] as soon as it names one (INFERRED: they are taken as the ones it names)."""
    served = served_accounts(facts)
    named = named_accounts(policy, action, facts.organization_id) - {"*"}
    if not named:
        return None
    if served is None:
        return []
    return [account for account in served if not granted(account)]


def copy_in_refused(vault: VaultFacts, facts: CentralFacts) -> tuple[str, str] | None:
    """https://docs.aws.amazon.com/aws-backup/latest/devguide/create-a-vault-access-policy.html
    ("Allow access to copy into a backup vault": the source account's root) and repost.aws's
    knowledge-center/backup-resolve-access-denied-error (the organization, or an account)."""
    policy, org = vault.access_policy, facts.organization_id
    if allows_organization(policy, COPY_INTO, org):
        return None
    missing = missing_accounts(
        policy,
        facts,
        lambda account: bool(accounts_allowed(policy, COPY_INTO, [account], org)),
        COPY_INTO,
    )
    if missing == []:
        return None
    statement = {
        "Effect": "Allow",
        "Principal": {"AWS": "*"},
        "Action": COPY_INTO,
        "Resource": "*",
        "Condition": {"StringEquals": {"aws:PrincipalOrgID": org}},
    }
    if missing is None:
        return (
            f"does not allow {COPY_INTO} from the organization",
            f"add to its access policy: {json.dumps(statement)}",
        )
    named = {key: value for key, value in statement.items() if key != "Condition"}
    named["Principal"] = {"AWS": [f"arn:aws:iam::{account}:root" for account in missing]}
    return (
        f"allows {COPY_INTO} to the accounts it names, but not to account(s) "
        f"{', '.join(missing)} that the relay serves: their copies into it are refused",
        f"name them in its access policy: {json.dumps(named)}, or allow the organization: "
        f"{json.dumps(statement)}",
    )


def key_not_shared(vault: VaultFacts, facts: CentralFacts) -> tuple[str, str] | None:
    """kms:Decrypt (and the rest of the key's use) and the grant statement (kms:CreateGrant
    under kms:GrantIsForAWSResource), as https://docs.aws.amazon.com/aws-backup/latest/
    devguide/create-cross-account-backup.html shares a key with the destination account: the
    organization's AWSServiceRoleForBackup (vaults/template.yaml), or each served account's
    (its role, or its root)."""
    policy, org = vault.key_policy, facts.organization_id
    if lets_organization_use(policy, org) and allows_organization(policy, "kms:CreateGrant", org):
        return None
    missing = missing_accounts(
        policy,
        facts,
        lambda account: (
            bool(accounts_allowed(policy, "kms:Decrypt", [account], org))
            and lets_account_grant(policy, account, org)
        ),
        "kms:Decrypt",
    )
    if missing == []:
        return None
    principal = (
        '"*" under "StringEquals": {"aws:PrincipalOrgID": '
        f'"{org}"}} and "ArnLike": {{"aws:PrincipalArn": '
        '"arn:aws:iam::*:role/aws-service-role/backup.amazonaws.com/'
        'AWSServiceRoleForBackup"}'
    )
    if missing is None:
        who, each = "the organization's AWSServiceRoleForBackup", ""
    else:
        who = f"the AWSServiceRoleForBackup of account(s) {', '.join(missing)}"
        each = (
            f", or the principal {SERVICE_ROLE.format(destination_account=missing[0])} (and "
            "likewise for each account)"
        )
    return (
        f"the {vault.role} vault's key does not let {who} use it (kms:Decrypt, and "
        "kms:CreateGrant for AWS resources): bringing a copy back to a member account fails",
        f"add to the key policy of {vault.key_arn} statements allowing the principal "
        f"{principal}{each} {KEY_STATEMENTS}",
    )
