"""Write the copy chain's retry policies into its state machine: one policy per kind of task.

Every task that invokes a Lambda function retries the same way (RETRY_LAMBDA: the relay's own
Throttled error, then the Lambda service errors AWS recommends retrying); every DynamoDB task
retries any error a few times (RETRY_DYNAMODB); TakeSlot first waits, long, for its slot
(RETRY_TAKE_SLOT, its condition fails while the slot is full). The policies are written here
once; the ASL holds copies that `make generate` rewrites and a test keeps equal.

    python -m scripts.generate_asl_retries          # rewrite statemachines/copy_chain.asl.json
    python -m scripts.generate_asl_retries --check  # exit 1 if it is out of date
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from scripts import generated_section

ROOT = Path(__file__).resolve().parents[1]
ASL = ROOT / "statemachines" / "copy_chain.asl.json"

#: The Lambda service errors Step Functions' best practices retry, with Lambda.Unknown (unhandled
#: errors: out of memory, timeouts) and Lambda.TooManyRequestsException (the invocation limit)
#: (https://docs.aws.amazon.com/step-functions/latest/dg/bp-lambda-serviceexception.html), and the
#: timeout a function reports in the offline sandbox.
LAMBDA_SERVICE_ERRORS = [
    "Lambda.ClientExecutionTimeoutException",
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
    "Lambda.TooManyRequestsException",
    "Lambda.Unknown",
    "Sandbox.Timedout",
]
_ANY_ERROR = {
    "ErrorEquals": ["States.ALL"],
    "IntervalSeconds": 2,
    "MaxAttempts": 6,
    "BackoffRate": 2,
    "JitterStrategy": "FULL",
}
RETRY_LAMBDA: list[dict[str, Any]] = [
    {
        "ErrorEquals": ["Throttled"],
        "IntervalSeconds": 5,
        "MaxAttempts": 12,
        "BackoffRate": 2,
        "MaxDelaySeconds": 600,
        "JitterStrategy": "FULL",
    },
    {
        "ErrorEquals": LAMBDA_SERVICE_ERRORS,
        "IntervalSeconds": 2,
        "MaxAttempts": 6,
        "BackoffRate": 2,
        "MaxDelaySeconds": 60,
        "JitterStrategy": "FULL",
    },
]
RETRY_DYNAMODB: list[dict[str, Any]] = [_ANY_ERROR]
RETRY_TAKE_SLOT: list[dict[str, Any]] = [
    {
        "ErrorEquals": ["DynamoDB.ConditionalCheckFailedException"],
        "IntervalSeconds": 60,
        "MaxAttempts": 200,
        "BackoffRate": 1.5,
        "MaxDelaySeconds": 900,
        "JitterStrategy": "FULL",
    },
    _ANY_ERROR,
]


def policy_for(name: str, state: dict[str, Any]) -> list[dict[str, Any]] | None:
    """The retry policy a Task state should have (None: not a task this script governs)."""
    resource = str(state.get("Resource", ""))
    if state.get("Type") != "Task":
        return None
    if resource.startswith("arn:aws:states:::lambda:invoke"):
        return RETRY_LAMBDA
    if resource.startswith("arn:aws:states:::dynamodb:"):
        return RETRY_TAKE_SLOT if name == "TakeSlot" else RETRY_DYNAMODB
    return None


def wanted(current: str) -> str:
    definition = json.loads(current)
    for name, state in definition["States"].items():
        policy = policy_for(name, state)
        if policy is not None:
            state["Retry"] = policy
    return json.dumps(definition, indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    return generated_section.main(
        argv,
        description=__doc__ or "",
        template=ASL,
        wanted=wanted,
        what="retry policies",
    )


if __name__ == "__main__":
    sys.exit(main())
