"""Step Functions: start a chain once, resume a waiting hop once, tell which executions run."""

from __future__ import annotations

from botocore.exceptions import ClientError

from backup_relay.adapters import aws
from backup_relay.adapters.errors import code_of, domain_errors, translated
from backup_relay.domain.chain import ChainState
from backup_relay.domain.copy_jobs import COPY_JOB_FAILED, CopyJobOutcome

_ALREADY_CLOSED = {"TaskDoesNotExist", "TaskTimedOut", "InvalidToken"}


class StepFunctionsWorkflow:
    """`state_machine_arn` None: a function that only resumes hops (chain-steps)."""

    def __init__(self, state_machine_arn: str | None) -> None:
        self._state_machine_arn = state_machine_arn

    @property
    def state_machine_arn(self) -> str:
        if self._state_machine_arn is None:
            raise RuntimeError("this function has no STATE_MACHINE_ARN: it starts no chain")
        return self._state_machine_arn

    def start(self, chain: ChainState) -> bool:
        """False when an execution of that name exists with another input. (With the same
        input, Step Functions answers as if it had started it.)"""
        try:
            aws.stepfunctions().start_execution(
                stateMachineArn=self.state_machine_arn,
                name=chain.execution_name,
                input=chain.model_dump_json(exclude_none=True),
            )
        except ClientError as error:
            if code_of(error) == "ExecutionAlreadyExists":
                return False
            raise translated(error) from error
        return True

    def resume(self, task_token: str, outcome: CopyJobOutcome) -> bool:
        """False when the task was already resumed or closed."""
        sfn = aws.stepfunctions()
        try:
            if outcome.completed:
                sfn.send_task_success(
                    taskToken=task_token, output=outcome.model_dump_json(exclude_none=True)
                )
            else:
                sfn.send_task_failure(
                    taskToken=task_token,
                    error=COPY_JOB_FAILED,
                    cause=outcome.status_message or "copy job failed",
                )
        except ClientError as error:
            if code_of(error) in _ALREADY_CLOSED:
                return False
            raise translated(error) from error
        return True

    def running(self) -> set[str]:
        paginator = aws.stepfunctions().get_paginator("list_executions")
        with domain_errors():
            return {
                execution["name"]
                for page in paginator.paginate(
                    stateMachineArn=self.state_machine_arn, statusFilter="RUNNING"
                )
                for execution in page["executions"]
            }

    def status(self, name: str) -> str | None:
        # arn:aws:states:<region>:<account>:stateMachine:<machine> -> ...:execution:<machine>:<name>
        arn = self.state_machine_arn.replace(":stateMachine:", ":execution:", 1) + f":{name}"
        try:
            return str(aws.stepfunctions().describe_execution(executionArn=arn)["status"])
        except ClientError as error:
            if code_of(error) == "ExecutionDoesNotExist":
                return None
            raise translated(error) from error
