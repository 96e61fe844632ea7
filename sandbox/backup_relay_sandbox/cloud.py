"""Fake credentials and the moto accounts of the sandbox organization. Nothing here reaches AWS."""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import cache
from typing import Any

import boto3
import botocore.loaders
import botocore.session

ORGANIZATION_ID = "o-sandbox0001"
CENTRAL_ACCOUNT = "123456789012"  # moto's default account: clients without assumed roles land here
MEMBER_ACCOUNTS = ("222222222222", "333333333333")
OUTSIDER_ACCOUNT = "999999999999"
REGION = "us-west-2"
DR_REGION = "us-east-1"

#: moto runs state machines' real ASL; Lambda invocations are routed in-process (functions.py)
SANDBOX_MOTO_CONFIG: Any = {
    "stepfunctions": {"execute_state_machine": True},
    "lambda": {"use_docker": False},
}

FAKE_ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SECURITY_TOKEN": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_METRICS_NAMESPACE": "BackupRelay",
    "POWERTOOLS_SERVICE_NAME": "backup-relay",
}


def use_fake_credentials() -> None:
    """Point every boto3 client at fake credentials, so a missed mock can never reach AWS.

    None of the caller's `AWS_*` variables stays: the exports of an earlier `sandbox up`
    (AWS_ENDPOINT_URL would send moto's in-process clients to a server that is gone), a profile
    that does not exist here (AWS_PROFILE), a config file, a session token."""
    for name in os.environ.keys() - without_aws(os.environ).keys():
        os.environ.pop(name)
    os.environ.update(FAKE_ENVIRONMENT)


def without_aws(environ: Mapping[str, str]) -> dict[str, str]:
    """`environ` without any AWS_* variable (the sandbox sets its own)."""
    return {name: value for name, value in environ.items() if not name.startswith("AWS_")}


@cache
def client(service: str, region: str = REGION, account: str = CENTRAL_ACCOUNT) -> Any:
    """A cached client in `account` (each new one costs ~0.15 s). moto intercepts only clients
    created while its mock is active: call `reset()` whenever a new mock starts."""
    return _session(account).client(service, region_name=region)  # type: ignore[call-overload]


@cache
def _session(account: str) -> boto3.session.Session:
    """moto maps the credentials of an assumed role to the role's account."""
    if account == CENTRAL_ACCOUNT:
        return boto3.session.Session(botocore_session=_botocore_session())
    credentials = client("sts").assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/OrganizationAccountAccessRole",
        RoleSessionName="backup-relay-sandbox",
    )["Credentials"]
    return boto3.session.Session(
        botocore_session=_botocore_session(),
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )


_LOADER = botocore.loaders.create_loader()


def _botocore_session() -> botocore.session.Session:
    """A new session (moto must see it created) sharing one model loader: parsing the service
    models again for every session cost more than the sandbox's API calls."""
    session = botocore.session.get_session()
    session.register_component("data_loader", _LOADER)
    return session


def reset() -> None:
    """Forget every cached client and everything the library built (call it whenever a new
    moto mock starts: moto intercepts only clients created while it is active)."""
    from backup_relay import wiring
    from backup_relay_sandbox import moto_storage_gateway

    moto_storage_gateway.install()  # moto has no Storage Gateway: the sandbox adds what it reads
    client.cache_clear()
    _session.cache_clear()
    wiring.reset()
