"""AWS's errors as the domain's: what to retry, what is missing, what AWS refused."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from backup_relay.adapters.errors import translated
from backup_relay.domain.errors import AccessDenied, NotFound, Refused, Throttled


def _error(code: str, status: int = 400) -> ClientError:
    return ClientError(
        {
            "Error": {"Code": code, "Message": f"{code} happened"},
            "ResponseMetadata": {"HTTPStatusCode": status},
        },
        "StartCopyJob",
    )


@pytest.mark.parametrize(
    ("code", "status", "expected"),
    [
        ("ThrottlingException", 400, Throttled),  # common to every action
        ("LimitExceededException", 400, Throttled),  # StartCopyJob's quota; botocore retries it
        ("ServiceUnavailableException", 500, Throttled),  # modelled fault: temporary
        ("InternalFailure", 500, Throttled),  # any server fault is worth another try
        ("ResourceNotFoundException", 400, NotFound),
        ("AccessDeniedException", 400, AccessDenied),
        ("InvalidRequestException", 400, Refused),
        ("InvalidParameterValueException", 400, Refused),
    ],
)
def test_each_aws_error_becomes_the_domains(code: str, status: int, expected: type) -> None:
    # WHEN AWS answers with `code` THEN the domain sees `expected`, with AWS's code and message
    error = translated(_error(code, status))
    assert type(error) is expected
    assert (error.code, error.message) == (code, f"{code} happened")
