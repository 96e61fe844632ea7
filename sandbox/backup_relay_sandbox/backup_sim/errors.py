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
#: ServiceUnavailableException's documentation in the API reference.
UNAVAILABLE = "The request failed due to a temporary failure of the server."
THROTTLED = "Rate exceeded"


class BackupApiError(Exception):
    def __init__(self, code: str, message: str, context: str | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.context = context  # the model's Context member: what the error is about

    @property
    def status(self) -> int:
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


def not_found(message: str, context: str | None = None) -> BackupApiError:
    return BackupApiError("ResourceNotFoundException", message, context)


def invalid_parameter(message: str) -> BackupApiError:
    return BackupApiError("InvalidParameterValueException", message)


def invalid_request(message: str) -> BackupApiError:
    return BackupApiError("InvalidRequestException", message)
