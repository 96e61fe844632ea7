"""AWS identifiers as AWS writes them: account ids, region codes and ARNs; one check of each,
for every command and function that takes one from a person.

- An account id is exactly 12 digits (Organizations' DescribeAccount: "requires exactly 12
  digits", https://docs.aws.amazon.com/organizations/latest/APIReference/API_DescribeAccount.html).
- An ARN is `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE`, the partition `aws`, `aws-cn` or
  `aws-us-gov` (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html).
- A backup vault's name is CreateBackupVault's pattern
  (https://docs.aws.amazon.com/aws-backup/latest/devguide/API_CreateBackupVault.html).
- A region code is INFERRED from the codes AWS lists (us-east-1, eu-central-2, us-gov-west-1,
  cn-north-1, ap-southeast-7): AWS documents the list, not a grammar. Two letters, one or more
  lowercase words, a digit: `mars-1` and `US-EAST-1` are not regions.

template.yaml's AllowedPatterns for its region and vault parameters are these same patterns
(tests/unit/test_identifiers.py holds them together).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

ACCOUNT_ID = re.compile(r"\d{12}")
REGION = re.compile(r"[a-z]{2}(-[a-z]+)+-[0-9]")
VAULT_NAME = re.compile(r"[a-zA-Z0-9_-]{2,50}")
PARTITIONS = ("aws", "aws-cn", "aws-us-gov")
#: What each check asks for, in the words an error message gives.
ACCOUNT_ID_FORM = "a 12-digit account id, e.g. 123456789012"
REGION_FORM = "a region code, e.g. us-east-1"
ARN_FORM = "an ARN, arn:aws:SERVICE:REGION:ACCOUNT:RESOURCE"
VAULT_NAME_FORM = "2 to 50 letters, digits, hyphens or underscores"


class InvalidIdentifier(ValueError):
    """Not an account id, region or ARN; the message says what it is not and what to give."""


def account_id(text: str) -> str:
    """`text`, when it is an account id."""
    if not ACCOUNT_ID.fullmatch(text):
        raise InvalidIdentifier(f"{text!r} is not an account id: give {ACCOUNT_ID_FORM}")
    return text


def region(text: str) -> str:
    """`text`, when it is a region code."""
    if not REGION.fullmatch(text):
        raise InvalidIdentifier(f"{text!r} is not a region: give {REGION_FORM}")
    return text


def vault_name(text: str) -> str:
    """`text`, when it can name a backup vault."""
    if not VAULT_NAME.fullmatch(text):
        raise InvalidIdentifier(f"{text!r} is not a backup vault name: give {VAULT_NAME_FORM}")
    return text


@dataclass(frozen=True)
class Arn:
    partition: str
    service: str
    region: str
    account: str
    resource: str

    def __str__(self) -> str:
        return ":".join(("arn", self.partition, self.service, self.region, self.account,
                         self.resource))  # fmt: skip


def arn(text: str, *, service: str | None = None, regional: bool = True, owned: bool = True) -> Arn:
    """`text` read as an ARN with a region (when `regional`) and an account id (when `owned`;
    else none, or one), of `service` when one is named."""
    parts = text.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn" or not parts[2] or not parts[5]:
        raise InvalidIdentifier(f"{text!r} is not an ARN: give {ARN_FORM}")
    _, partition, named_service, named_region, account, resource = parts
    if partition not in PARTITIONS:
        raise InvalidIdentifier(
            f"{text!r}: partition {partition!r} is not one of {', '.join(PARTITIONS)}"
        )
    if service is not None and named_service != service:
        raise InvalidIdentifier(f"{text!r} is not an ARN of {service} (it is of {named_service})")
    if regional or named_region:
        try:
            region(named_region)
        except InvalidIdentifier as error:
            raise InvalidIdentifier(f"{text!r}: {error}") from None
    if owned or account:
        try:
            account_id(account)
        except InvalidIdentifier as error:
            raise InvalidIdentifier(f"{text!r}: {error}") from None
    return Arn(partition, named_service, named_region, account, resource)


def recovery_point_arn(text: str) -> Arn:
    """`text` read as a recovery point's ARN, in a form AWS Backup gives them
    (domain/resource_types.py: EC2's carry no account)."""
    from backup_relay.domain import resource_types

    forms = resource_types.REGISTRY.recovery_point_arns()
    read = arn(text, owned=False)
    matching = [f for f in forms if f.service == read.service]
    if not matching:
        services = ", ".join(sorted({f.service for f in forms}))
        raise InvalidIdentifier(
            f"{text!r} is not a recovery point ARN: its service is {read.service!r}, not one of "
            f"{services}"
        )
    if not read.account and all(f.has_account for f in matching):
        raise InvalidIdentifier(f"{text!r}: no account id: give {ACCOUNT_ID_FORM} in the ARN")
    return read
