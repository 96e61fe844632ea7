"""AWS's errors, as the domain's (errors.py): use cases never see a botocore exception."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from botocore.exceptions import ClientError
from botocore.exceptions import ConnectionError as EndpointUnreachable

from backup_relay.domain.errors import (
    AccessDenied,
    AwsError,
    NotFound,
    Refused,
    Throttled,
    Unreachable,
)

#: Codes that mean "slow down" (botocore's standard retry mode treats them so) or "try later".
THROTTLING = frozenset(
    {
        "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
        "TooManyRequestsException", "ProvisionedThroughputExceededException",
        "RequestLimitExceeded", "LimitExceededException", "RequestThrottled", "SlowDown",
        "ServiceUnavailableException", "EC2ThrottledException", "BandwidthLimitExceeded",
        "TransactionInProgressException", "PriorRequestNotComplete", "RequestTimeout",
        "RequestTimeoutException",
    }
)  # fmt: skip
NOT_FOUND = frozenset({"ResourceNotFoundException", "NotFoundException"})
ACCESS_DENIED = frozenset({"AccessDeniedException", "AccessDenied"})


def code_of(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def translated(error: ClientError) -> AwsError:
    code = code_of(error)
    message = str(error.response.get("Error", {}).get("Message") or error)
    status = int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
    if code in THROTTLING or status >= 500:  # a server fault is transient: try again later
        return Throttled(code, message)
    if code in NOT_FOUND:
        return NotFound(code, message)
    if code in ACCESS_DENIED:
        return AccessDenied(code, message)
    return Refused(code, message)


def unreachable(error: Exception) -> Unreachable:
    """A connection that failed; on a loopback endpoint (the sandbox), the fix."""
    from backup_relay.adapters.aws import loopback_endpoint

    sandbox = loopback_endpoint()
    if sandbox:
        return Unreachable(
            f"cannot reach {sandbox} (the sandbox is not running?): run `backup-relay sandbox "
            "up` and eval its exports, or unset AWS_ENDPOINT_URL to use AWS"
        )
    return Unreachable(f"cannot reach AWS ({error}): check the network, or AWS_ENDPOINT_URL")


@contextmanager
def domain_errors() -> Iterator[None]:
    """Run AWS calls; a ClientError leaves as Throttled, NotFound or Refused, a failed
    connection as Unreachable."""
    try:
        yield
    except ClientError as error:
        raise translated(error) from error
    except EndpointUnreachable as error:
        raise unreachable(error) from error
