"""API errors the simulator raises; the moto plugin turns them into AWS error responses."""

from __future__ import annotations


class BackupApiError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


def not_found(message: str) -> BackupApiError:
    return BackupApiError("ResourceNotFoundException", message)


def invalid_parameter(message: str) -> BackupApiError:
    return BackupApiError("InvalidParameterValueException", message)


def invalid_request(message: str) -> BackupApiError:
    return BackupApiError("InvalidRequestException", message)
