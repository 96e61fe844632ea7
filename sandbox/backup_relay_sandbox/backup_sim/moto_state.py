"""The simulator's window on moto's own state: backup vaults and plans, KMS keys and RDS option
groups (moto is untyped)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from moto.backup.models import backup_backends
from moto.kms import models as kms_models
from moto.kms.models import kms_backends
from moto.rds.models import rds_backends

from backup_relay.domain.backup_policies import POLICY_PLAN_ID_PREFIX

DEFAULT_VAULT_KEY_ALIAS = "alias/aws/backup"
_kms: Any = kms_models  # patched below; moto's types describe its calls, not patches


def vault(account: str, region: str, name: str) -> Any | None:
    return backup_backends[account][region].vaults.get(name)


def vault_by_arn(arn: str) -> Any | None:
    parts = arn.split(":", 5)
    if len(parts) < 6 or parts[2] != "backup" or not parts[5].startswith("backup-vault:"):
        return None
    return vault(parts[4], parts[3], parts[5].removeprefix("backup-vault:"))


#: The engine of the sandbox's RDS instances with options (a cross-region copy needs them in the
#: destination region, in an option group of the same engine and major version).
OPTIONS_ENGINE = ("oracle-ee", "19")


def rds_options(account: str, region: str) -> frozenset[str]:
    """Every option of the account's option groups in the region, as RDS holds them."""
    groups = rds_backends[account][region].option_groups.values()
    return frozenset(option["OptionName"] for group in groups for option in group.options)


def create_option_group(account: str, region: str, name: str, options: tuple[str, ...]) -> str:
    backend: Any = rds_backends[account][region]
    engine, version = OPTIONS_ENGINE
    group = backend.create_option_group(
        {
            "option_group_name": name,
            "engine_name": engine,
            "major_engine_version": version,
            "option_group_description": "options a cross-region copy needs",
        }
    )
    group.add_options([{"OptionName": option} for option in options])
    return str(group.name)


def rds_subnet_group_exists(account: str, region: str, name: str) -> bool:
    """A DB subnet group of that name in moto's RDS; "default" (the default VPC's) always."""
    return name.lower() == "default" or name in rds_backends[account][region].subnet_groups


def vault_arn(account: str, region: str, name: str) -> str:
    return f"arn:aws:backup:{region}:{account}:backup-vault:{name}"


def create_vault(account: str, region: str, name: str, key_arn: str | None) -> Any:
    """A vault created without a key uses the AWS managed key `aws/backup`, as in AWS."""
    key_arn = key_arn or aws_managed_key(account, region, DEFAULT_VAULT_KEY_ALIAS).arn
    backend: Any = backup_backends[account][region]
    return backend.create_backup_vault(
        backup_vault_name=name,
        backup_vault_tags=None,
        encryption_key_arn=key_arn,
        creator_request_id=None,
    )


#: botocore's VaultType of a logically air-gapped vault (DescribeBackupVault, ListBackupVaults).
LAG_VAULT_TYPE = "LOGICALLY_AIR_GAPPED_BACKUP_VAULT"
STANDARD_VAULT_TYPE = "BACKUP_VAULT"


def create_lag_vault(
    account: str, region: str, name: str, *, min_days: int, max_days: int, key_arn: str | None
) -> Any:
    """A logically air-gapped vault: moto's vault, typed, locked in compliance mode with its
    range ("each vault is equipped with AWS Backup Vault Lock's compliance mode",
    https://docs.aws.amazon.com/aws-backup/latest/devguide/logicallyairgappedvault.html), on
    the customer managed key given or an AWS owned key (EncryptionKeyArn None here: an AWS
    owned key is in no account's KMS)."""
    backend: Any = backup_backends[account][region]
    vault = backend.create_backup_vault(
        backup_vault_name=name,
        backup_vault_tags=None,
        encryption_key_arn=key_arn,
        creator_request_id=None,
    )
    vault.vault_type = LAG_VAULT_TYPE
    vault.vault_state = "AVAILABLE"  # INFERRED: CREATING first in AWS, for a while
    vault.encryption_key_type = "CUSTOMER_MANAGED_KMS_KEY" if key_arn else "AWS_OWNED_KMS_KEY"
    vault.locked = True
    vault.min_retention_days, vault.max_retention_days = min_days, max_days
    return vault


def is_air_gapped(vault: Any) -> bool:
    return vault is not None and getattr(vault, "vault_type", "") == LAG_VAULT_TYPE


def vault_type(vault: Any) -> str:
    return str(getattr(vault, "vault_type", STANDARD_VAULT_TYPE))


def vaults(account: str, region: str) -> list[Any]:
    return list(backup_backends[account][region].vaults.values())


def create_policy_plan(account: str, region: str, plan: dict[str, Any]) -> str:
    """A backup plan as an organization's backup policy makes it in `account`: listed among the
    account's plans, with an id of the form AWS's sample shows ("orgs/<uuid>", INFERRED: see
    `backup_relay.domain.backup_policies`). moto makes only an account's own plans, with a
    bare uuid: its plan is made, then given the policy's id."""
    backend: Any = backup_backends[account][region]
    made = backend.create_backup_plan(
        backup_plan=plan, backup_plan_tags=None, creator_request_id=None
    )
    del backend.plans[made.backup_plan_id]
    made.backup_plan_id = f"{POLICY_PLAN_ID_PREFIX}{made.backup_plan_id}"
    made.backup_plan_arn = f"arn:aws:backup:{region}:{account}:backup-plan:{made.backup_plan_id}"
    backend.plans[made.backup_plan_id] = made
    return str(made.backup_plan_id)


def key(arn: str | None) -> Any | None:
    """The moto key an ARN (key or alias ARN) points at, or None."""
    if not arn or not arn.startswith("arn:"):
        return None
    _, _, _, region, account, _ = arn.split(":", 5)
    backend = kms_backends[account][region]
    try:
        return backend.keys[backend.any_id_to_key_id(arn)]
    except (KeyError, TypeError, AttributeError):
        return None


def is_aws_managed(key_object: Any) -> bool:
    return key_object.key_manager == "AWS" or any(
        alias.startswith("alias/aws/") for alias in key_object.aliases
    )


def is_usable(key_object: Any) -> bool:
    return bool(key_object.enabled) and key_object.key_state == "Enabled"


def aws_managed_key(account: str, region: str, alias: str) -> Any:
    """The AWS managed key behind `alias/aws/<service>`, created on first use as AWS does.

    Its policy is shaped like AWS's (immutable in AWS): any principal of the owning account,
    through the service only.
    """
    alias = alias if alias.startswith("alias/") else f"alias/{alias}"
    backend = kms_backends[account][region]
    key_id = next((k.id for k in backend.keys.values() if alias in k.aliases), None)
    if key_id is None:
        service = alias.removeprefix("alias/aws/")
        with _fast_symmetric_keys():
            created = backend.create_key(
                policy=json.dumps(_aws_managed_policy(account, region, service)),
                key_usage="ENCRYPT_DECRYPT",
                key_spec="SYMMETRIC_DEFAULT",
                description=f"Default key that protects my {service} data",
                tags=None,
            )
        backend.create_alias(created.id, alias)
        key_id = created.id
    managed = backend.keys[key_id]
    managed.key_manager = "AWS"
    return managed


def create_customer_key(account: str, region: str, policy: dict[str, Any]) -> Any:
    with _fast_symmetric_keys():
        return kms_backends[account][region].create_key(
            policy=json.dumps(policy),
            key_usage="ENCRYPT_DECRYPT",
            key_spec="SYMMETRIC_DEFAULT",
            description="backup-relay simulator key",
            tags=None,
        )


@contextmanager
def _fast_symmetric_keys() -> Iterator[None]:
    """moto gives every key an RSA-2048 private key (~0.12 s), symmetric keys included, which
    never use it (only asymmetric Sign/Verify/GetPublicKey do). The simulator's keys are
    symmetric: they get a cheap EC key instead, while they are created."""
    generate = _kms.generate_private_key

    def cheap(key_spec: str) -> Any:
        return generate("ECC_NIST_P256" if key_spec == "SYMMETRIC_DEFAULT" else key_spec)

    _kms.generate_private_key = cheap
    try:
        yield
    finally:
        _kms.generate_private_key = generate


def _aws_managed_policy(account: str, region: str, service: str) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Id": f"auto-{service}-1",
        "Statement": [
            {
                "Sid": "Allow access through the service for all principals in the account",
                "Effect": "Allow",
                "Principal": {"AWS": "*"},
                "Action": [
                    "kms:Encrypt",
                    "kms:Decrypt",
                    "kms:ReEncrypt*",
                    "kms:GenerateDataKey*",
                    "kms:CreateGrant",
                    "kms:DescribeKey",
                ],
                "Resource": "*",
                "Condition": {
                    "StringEquals": {
                        "kms:CallerAccount": account,
                        "kms:ViaService": f"{service}.{region}.amazonaws.com",
                    }
                },
            },
            {
                "Sid": "Allow direct access to key metadata to the account",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
                "Action": ["kms:Describe*", "kms:Get*", "kms:List*"],
                "Resource": "*",
            },
        ],
    }
