"""Step Functions: start a chain once, resume a waiting hop once."""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import ClientError

from backup_relay.adapters import aws
from backup_relay.chain import ChainState, HopOutcome

_ALREADY_CLOSED = {"TaskDoesNotExist", "TaskTimedOut", "InvalidToken"}


class Workflow:
    def __init__(self, state_machine_arn: str, client: Any | None = None) -> None:
        self.state_machine_arn = state_machine_arn
        self._client = client

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = aws.client("stepfunctions")
        return self._client

    def start(self, chain: ChainState) -> bool:
        """False when an execution of that name exists with another input. (With the same
        input, Step Functions answers as if it had started it.)"""
        try:
            self.client.start_execution(
                stateMachineArn=self.state_machine_arn,
                name=chain.chain_id,
                input=chain.model_dump_json(exclude_none=True),
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "ExecutionAlreadyExists":
                return False
            raise
        return True

    def resume(self, task_token: str, outcome: HopOutcome) -> bool:
        """False when the task was already resumed or closed."""
        try:
            if outcome.state == "COMPLETED":
                self.client.send_task_success(
                    taskToken=task_token, output=json.dumps(outcome.model_dump(exclude_none=True))
                )
            else:
                self.client.send_task_failure(
                    taskToken=task_token,
                    error="CopyJobFailed",
                    cause=outcome.status_message or "copy job failed",
                )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in _ALREADY_CLOSED:
                return False
            raise
        return True
