"""API errors the simulator raises; the moto plugin turns them into AWS error responses.

Each error shape of botocore's backup model has the members Code, Message, Type and Context
(AlreadyExistsException adds CreatorRequestId and Arn); ServiceUnavailableException and
DependencyFailureException are faults (HTTP 500), the others client errors (HTTP 400).
ThrottlingException and AccessDeniedException are not in the model: AWS Backup's Common Errors
page lists them for every action (HTTP 400):
https://docs.aws.amazon.com/aws-backup/latest/devguide/CommonErrors.html
"""

from __future__ import annotations

#: Errors every operation may return, besides those its model lists (Common Errors).
COMMON_ERRORS = frozenset({"ThrottlingException", "AccessDeniedException"})
#: The model's `fault: true` shapes, answered with HTTP 500.
SERVER_FAULTS = frozenset({"ServiceUnavailableException", "DependencyFailureException"})
#: INFERRED: ServiceUnavailableException's documentation in the API reference, used as its message.
UNAVAILABLE = "The request failed due to a temporary failure of the server."
THROTTLED = "Rate exceeded"  # INFERRED: AWS's usual throttling text; no AWS Backup source


#: AWS's answer to DescribeBackupVault for a vault that does not exist: AccessDeniedException,
#: HTTP 403, with this text (https://github.com/aws/aws-sdk-js/issues/2625; "the AccessDenied
#: happens even when you have permissions if the vault does not exist",
#: https://github.com/ansible-collections/amazon.aws/pull/1436).
INSUFFICIENT_PRIVILEGES = "Insufficient privileges to perform this action."


class BackupApiError(Exception):
    def __init__(
        self, code: str, message: str, context: str | None = None, status: int | None = None
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.context = context  # the model's Context member: what the error is about
        self._status = status

    @property
    def status(self) -> int:
        if self._status is not None:
            return self._status
        return 500 if self.code in SERVER_FAULTS else 400

    def body(self) -> dict[str, str]:
        """The error's JSON body: the protocol's `__type`/`message`, and the model's members.
        `Type` (undocumented in the model) is INFERRED: "Client" for 4xx, "Server" for 5xx."""
        members = {
            "__type": self.code,
            "message": self.message,
            "Code": self.code,
            "Message": self.message,
            "Type": "Server" if self.status >= 500 else "Client",
        }
        if self.context is not None:
            members["Context"] = self.context
        return members


def vault_missing() -> BackupApiError:
    """What AWS answers a request naming a vault that does not exist (above)."""
    return BackupApiError("AccessDeniedException", INSUFFICIENT_PRIVILEGES, status=403)


def not_found(message: str, context: str | None = None) -> BackupApiError:
    return BackupApiError("ResourceNotFoundException", message, context)


def invalid_parameter(message: str) -> BackupApiError:
    return BackupApiError("InvalidParameterValueException", message)


def invalid_request(message: str) -> BackupApiError:
    return BackupApiError("InvalidRequestException", message)
