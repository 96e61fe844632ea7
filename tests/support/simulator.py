"""Helpers for the AWS Backup simulator's tests: real boto3 clients acting as any sandbox account,
a tap on the default buses, and the sandbox organization's usual backup topology."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, ClassVar

import boto3
from botocore.config import Config

from backup_relay_sandbox.backup_sim import Simulator
from backup_relay_sandbox.cloud import CENTRAL_ACCOUNT, MEMBER_ACCOUNTS, REGION

MEMBER = MEMBER_ACCOUNTS[0]
CENTRAL = CENTRAL_ACCOUNT
NO_RETRIES = Config(retries={"total_max_attempts": 1})


@contextmanager
def as_account(account: str) -> Iterator[None]:
    """moto answers as `account` (its MOTO_ACCOUNT_ID); nothing else changes."""
    previous = os.environ.get("MOTO_ACCOUNT_ID")
    os.environ["MOTO_ACCOUNT_ID"] = account
    try:
        yield
    finally:
        if previous is None:
            del os.environ["MOTO_ACCOUNT_ID"]
        else:
            os.environ["MOTO_ACCOUNT_ID"] = previous


class AccountClient:
    """A boto3 client whose calls are made as `account`."""

    def __init__(self, client: Any, account: str) -> None:
        self.raw = client
        self.account = account

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self.raw, name)
        if not callable(attribute):
            return attribute

        def call(*args: Any, **kwargs: Any) -> Any:
            with as_account(self.account):
                return attribute(*args, **kwargs)

        return call


class Api:
    """Real boto3 clients (no retries), kept for the whole run: creating one costs ~0.15 s, and
    moto intercepts every client created after it is imported, whichever mock is active."""

    _clients: ClassVar[dict[tuple[str, str], Any]] = {}

    def __call__(self, account: str, service: str = "backup", region: str = REGION) -> Any:
        key = (service, region)
        if key not in self._clients:
            self._clients[key] = boto3.session.Session().client(
                service,  # type: ignore[call-overload]
                region_name=region,
                config=NO_RETRIES,
            )
        return AccountClient(self._clients[key], account)


class EventTap:
    """A rule on the default bus of each (account, region), delivering every aws.backup event
    whole to an SQS queue, as a consumer in that account would receive it."""

    def __init__(self, api: Api, places: list[tuple[str, str]]) -> None:
        self._queues: list[tuple[Any, str]] = []
        for account, region in places:
            sqs, events = api(account, "sqs", region), api(account, "events", region)
            url = sqs.create_queue(QueueName="tap")["QueueUrl"]
            arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
            events.put_rule(Name="tap", EventPattern=json.dumps({"source": ["aws.backup"]}))
            events.put_targets(
                Rule="tap",
                Targets=[
                    {
                        "Id": "tap",
                        "Arn": arn["Attributes"]["QueueArn"],
                        # the whole event (moto's default template breaks on ISO times)
                        "InputTransformer": {
                            "InputPathsMap": {},
                            "InputTemplate": "<aws.events.event.json>",
                        },
                    }
                ],
            )
            self._queues.append((sqs, url))
        self.received: list[dict[str, Any]] = []

    def drain(self) -> list[dict[str, Any]]:
        """Everything delivered so far, in delivery order per queue."""
        for sqs, url in self._queues:
            while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get(
                "Messages", []
            ):
                for message in messages:
                    event = json.loads(message["Body"])
                    event.pop("ingestion-time", None)  # added by moto's transformer
                    self.received.append(event)
                    sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        return self.received


@dataclass
class Topology:
    """The relay's usual setup: a member account backs up into its vault; the central account
    has a vault in the member's region and one in the DR region, both with customer managed
    keys and access policies that let the organization copy in."""

    sim: Simulator
    api: Api
    member_key: str = ""
    member_vault: str = ""
    central_vault: str = ""
    dr_vault: str = ""
    resources: dict[str, str] = field(default_factory=dict)

    def resource(
        self,
        resource_type: str,
        *,
        key_arn: str | None = None,
        account: str = MEMBER,
        region: str = REGION,
        **options: Any,
    ) -> str:
        """Register a member resource (encrypted with the shared member key unless told)."""
        arn = _resource_arn(resource_type, account, region, len(self.resources))
        self.sim.register_resource(
            account, region, resource_type, arn, key_arn or self.member_key, **options
        )
        self.resources[arn] = resource_type
        return arn

    def recovery_point(self, resource_arn: str, vault_arn: str | None = None) -> str:
        return self.sim.put_recovery_point(vault_arn or self.member_vault, resource_arn)


def _resource_arn(resource_type: str, account: str, region: str, n: int) -> str:
    return {
        "RDS": f"arn:aws:rds:{region}:{account}:db:db-{n}",
        "Aurora": f"arn:aws:rds:{region}:{account}:cluster:aurora-{n}",
        "DocumentDB": f"arn:aws:rds:{region}:{account}:cluster:docdb-{n}",
        "Neptune": f"arn:aws:rds:{region}:{account}:cluster:neptune-{n}",
        "EBS": f"arn:aws:ec2:{region}:{account}:volume/vol-{n:017x}",
        "EC2": f"arn:aws:ec2:{region}:{account}:instance/i-{n:017x}",
        "EFS": f"arn:aws:elasticfilesystem:{region}:{account}:file-system/fs-{n:08x}",
        "DynamoDB": f"arn:aws:dynamodb:{region}:{account}:table/table-{n}",
    }[resource_type]


StartCopy = Callable[..., str]
