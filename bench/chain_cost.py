"""What a two-hop chain costs, next to the polling design most public tools use.

Run: make bench   (or .venv/bin/python bench/chain_cost.py)

Ours: a member's Aurora recovery point copied by its backup plan into the central vault (hop 1,
AWS Backup's own copy action: no transition, no call of ours), then the chain's execution
copies it to the DR vault (hop 2). Counted from the sandbox, on the real ASL in moto's
interpreter and the real handlers: state transitions (from the execution's history, retries
included), Lambda invocations (every function: ingest, chain steps, chain ended, alerts), AWS
API calls (the functions' clients, and the state machine's own SDK tasks), DynamoDB writes,
SQS requests. Three runs: the happy path, the hop's completion event lost (the wait times out
and the hop polls once), one StartCopyJob throttled.

Polling: bench/polling_baseline.asl.json (StartCopyJob, then Wait 180 s / DescribeCopyJob /
Choice until the job ends), run in moto's interpreter against the simulator for one hop, with
the Wait compressed and AWS Backup's clock moved 180 s per DescribeCopyJob; a two-hop chain
runs it once per hop (the figures are twice one hop's). Copies of 30 min, 3 h and 12 h.

Then the cost of a night of 200,000 two-hop chains, from these counts and the prices below.
"""

from __future__ import annotations

import json
import math
import os
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from backup_relay_sandbox.cloud import (
    CENTRAL_ACCOUNT,
    MEMBER_ACCOUNTS,
    SANDBOX_MOTO_CONFIG,
    client,
    use_fake_credentials,
)

use_fake_credentials()
os.environ["POWERTOOLS_METRICS_DISABLED"] = "true"  # figures only, no EMF lines

from moto import mock_aws  # noqa: E402
from moto.backup import responses as backup_responses  # noqa: E402

from backup_relay_sandbox import api_calls, functions  # noqa: E402
from backup_relay_sandbox.deploy import service_role  # noqa: E402
from backup_relay_sandbox.organization import (  # noqa: E402
    BACKUP_ROLE,
    CENTRAL_VAULT,
    CENTRAL_VAULT_ARN,
    DR_VAULT_ARN,
    Organization,
    lose_the_chains_completions,
)

# ---- prices and quotas: us-east-1, read 2026-11-23 (prices change: read the pages again) ---
# Step Functions Standard: $0.025 per 1,000 state transitions
# (aws.amazon.com/step-functions/pricing).
# Lambda: $0.20 per 1M requests; arm64 $0.0000133334 per GB-second (aws.amazon.com/lambda/pricing).
# DynamoDB on-demand, after the November 2024 cut: $0.625 per 1M write and $0.125 per 1M read
# request units (aws.amazon.com/dynamodb/pricing/on-demand). SQS standard: $0.40 per 1M requests.
# Step Functions quotas (docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html), in
# us-east-1, us-west-2, eu-west-1: StateTransition refill 5,000 per second; StartExecution refill
# 300 per second; 1,000,000 open executions per account and region (new accounts start lower).
# AWS Backup / RDS (backup_relay/domain/quotas.py cites each quota's page; docs/copy-chain.md):
# 100 concurrent copy jobs per account and region for fully managed types; RDS 20 snapshot
# copies in progress per destination region, DocumentDB and Neptune 5.


class prices:
    STATE_TRANSITION = 0.025 / 1_000
    LAMBDA_REQUEST = 0.20 / 1_000_000
    LAMBDA_ARM_GB_SECOND = 0.0000133334
    DYNAMODB_WRITE = 0.625 / 1_000_000
    DYNAMODB_READ = 0.125 / 1_000_000
    SQS_REQUEST = 0.40 / 1_000_000

    STATE_TRANSITIONS_PER_SECOND = 5_000
    START_EXECUTIONS_PER_SECOND = 300
    OPEN_EXECUTIONS = 1_000_000
    RDS_COPIES_IN_PROGRESS_PER_REGION = 20
    DOCDB_NEPTUNE_COPIES_IN_PROGRESS_PER_REGION = 5
    BACKUP_COPY_JOBS_PER_REGION = 100  # fully managed types only


MEMBER = MEMBER_ACCOUNTS[0]
POLL_SECONDS = 180
MEMORY_GB = 256 / 1024  # template.yaml Globals MemorySize
NIGHT = 200_000
WRITES = {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"}


@dataclass
class Cost:
    name: str
    transitions: int = 0
    invocations: int = 0
    api_calls: int = 0
    dynamodb_writes: int = 0
    dynamodb_reads: int = 0
    sqs_requests: int = 0
    lambda_seconds: float = 0.0
    calls: Counter[str] = field(default_factory=Counter)

    def dollars(self) -> float:
        return (
            self.transitions * prices.STATE_TRANSITION
            + self.invocations * prices.LAMBDA_REQUEST
            + self.lambda_seconds * MEMORY_GB * prices.LAMBDA_ARM_GB_SECOND
            + self.dynamodb_writes * prices.DYNAMODB_WRITE
            + self.dynamodb_reads * prices.DYNAMODB_READ
            + self.sqs_requests * prices.SQS_REQUEST
        )

    def scaled(self, factor: int) -> Cost:
        return Cost(
            self.name,
            self.transitions * factor,
            self.invocations * factor,
            self.api_calls * factor,
            self.dynamodb_writes * factor,
            self.dynamodb_reads * factor,
            self.sqs_requests * factor,
            self.lambda_seconds * factor,
        )


class Invocations:
    """Every handler call the sandbox makes, with its wall time and the records it was given."""

    def __init__(self) -> None:
        self.count: Counter[str] = Counter()
        self.records = 0
        self.seconds = 0.0
        self._original: Any = functions.Function.__call__

    def __enter__(self) -> Invocations:
        original, invocations = self._original, self

        def counted(function: functions.Function, event: dict[str, Any]) -> Any:
            started = time.perf_counter()
            try:
                return original(function, event)
            finally:
                invocations.seconds += time.perf_counter() - started
                invocations.count[function.logical_id] += 1
                if function.logical_id == "IngestFunction":
                    invocations.records += len(event.get("Records", []))

        setattr(functions.Function, "__call__", counted)  # noqa: B010  (a patch, undone below)
        return self

    def __exit__(self, *exc: object) -> None:
        setattr(functions.Function, "__call__", self._original)  # noqa: B010


def _history(execution_arn: str) -> list[dict[str, Any]]:
    sfn = client("stepfunctions")
    events: list[dict[str, Any]] = []
    token: dict[str, str] = {}
    while True:
        page = sfn.get_execution_history(executionArn=execution_arn, maxResults=1000, **token)
        events += page["events"]
        if "nextToken" not in page:
            return events
        token = {"nextToken": page["nextToken"]}


def _from_history(cost: Cost, events: list[dict[str, Any]]) -> None:
    """Billed transitions: every state entered, and every retry of a task."""
    kinds = Counter(e["type"] for e in events)
    entered = sum(n for kind, n in kinds.items() if kind.endswith("StateEntered"))
    retries = kinds["TaskScheduled"] + kinds["LambdaFunctionScheduled"] - kinds["TaskStateEntered"]
    cost.transitions += entered + max(retries, 0)
    for event in events:
        if event["type"] == "TaskScheduled":
            details = event["taskScheduledEventDetails"]
            if details["resourceType"] != "lambda":  # the Lambda's own calls are counted apart
                action = details["resource"].split(".")[-1].removesuffix(".waitForTaskToken")
                service = details["resourceType"]
                cost.calls[f"{service}:{action[:1].upper()}{action[1:]}"] += 1


def ours(scenario: str) -> Cost:
    with mock_aws(config=SANDBOX_MOTO_CONFIG):
        org = Organization.build(
            members=[MEMBER], resource_types=("Aurora",), wait_timeout_seconds=3
        )
        point = org.backup(MEMBER, "Aurora")
        org.settle()
        if scenario == "completion event lost":
            lose_the_chains_completions(org)
        if scenario == "one StartCopyJob throttled":
            org.sim.faults.throttle_calls = {1}
        api_calls.clear()
        cost = Cost(scenario)
        with Invocations() as invocations:
            org.plan_copy(MEMBER, point, CENTRAL_VAULT_ARN)
            org.settle()
        [execution] = org.executions()
        assert execution["status"] == "SUCCEEDED", execution
        _from_history(cost, _history(execution["executionArn"]))
        for (_, action), n in api_calls.COUNTS.items():
            cost.calls[action] += n
        # a client counts a call once, however often botocore retried it: count AWS's answers
        cost.calls["backup:StartCopyJob"] = org.sim.faults.start_copy_job_calls
        cost.invocations = sum(invocations.count.values())
        cost.lambda_seconds = invocations.seconds
        # each event EventBridge puts on the ingest queue (SendMessage), and per ingest
        # invocation one ReceiveMessage and one DeleteMessageBatch by the event source mapping
        cost.sqs_requests = invocations.records + 2 * invocations.count["IngestFunction"]
        _tally(cost)
        return cost


def _tally(cost: Cost) -> None:
    cost.api_calls = sum(cost.calls.values())
    for action, n in cost.calls.items():
        service, name = action.split(":", 1)
        if service == "dynamodb" and name in WRITES:
            cost.dynamodb_writes += n
        elif service == "dynamodb":
            cost.dynamodb_reads += n


def polling(copy_takes: timedelta) -> Cost:
    """One hop by bench/polling_baseline.asl.json; the returned figures are two hops'."""
    with mock_aws(config=SANDBOX_MOTO_CONFIG):
        org = Organization.build(members=[MEMBER], resource_types=("Aurora",))
        point = org.backup(MEMBER, "Aurora")
        org.settle()
        org.plan_copy(MEMBER, point, CENTRAL_VAULT_ARN)
        org.settle()
        [landed] = org.completed_copies_into(CENTRAL_VAULT_ARN)
        org.sim.settings.durations.copy = copy_takes
        definition = Path(__file__).with_name("polling_baseline.asl.json").read_text()
        definition = definition.replace('"Seconds": 180', '"Seconds": 0')
        sfn = client("stepfunctions")
        role = service_role(org.central.stack, "polling-baseline", "states.amazonaws.com")
        machine = sfn.create_state_machine(
            name="polling-baseline", definition=definition, roleArn=role
        )["stateMachineArn"]
        response: Any = backup_responses.BackupResponse  # the simulator's handlers are on it
        describe = response.describe_copy_job
        polls = Counter[str]()

        def describe_after_the_wait(self: Any) -> Any:
            org.sim.advance(timedelta(seconds=POLL_SECONDS))  # the Wait, on AWS Backup's clock
            polls["DescribeCopyJob"] += 1
            return describe(self)

        response.describe_copy_job = describe_after_the_wait
        try:
            arn = sfn.start_execution(
                stateMachineArn=machine,
                input=json.dumps(
                    {
                        "recovery_point_arn": landed.destination_recovery_point_arn,
                        "source_vault_name": CENTRAL_VAULT,
                        "destination_vault_arn": DR_VAULT_ARN,
                        "role_arn": f"arn:aws:iam::{CENTRAL_ACCOUNT}:role/{BACKUP_ROLE}",
                        "token": "polling-baseline",
                    }
                ),
            )["executionArn"]
            while sfn.describe_execution(executionArn=arn)["status"] == "RUNNING":
                time.sleep(0.05)
        finally:
            response.describe_copy_job = describe
        assert sfn.describe_execution(executionArn=arn)["status"] == "SUCCEEDED"
        hop = Cost(f"polling every {POLL_SECONDS} s, {_human(copy_takes)} copies")
        _from_history(hop, _history(arn))
        _tally(hop)
        expected_polls = math.ceil(copy_takes.total_seconds() / POLL_SECONDS)
        assert abs(polls["DescribeCopyJob"] - expected_polls) <= 2, (polls, expected_polls)
        return hop.scaled(2)  # the same for the first hop


def _human(duration: timedelta) -> str:
    minutes = int(duration.total_seconds() // 60)
    return f"{minutes // 60} h" if minutes % 60 == 0 else f"{minutes} min"


def _row(cost: Cost) -> str:
    return (
        f"| {cost.name} | {cost.transitions} | {cost.invocations} | {cost.api_calls} | "
        f"{cost.dynamodb_writes} | {cost.sqs_requests} | ${cost.dollars() * 1000:.3f} |"
    )


def main() -> None:
    started = time.perf_counter()
    mine = [ours(s) for s in ("happy path", "completion event lost", "one StartCopyJob throttled")]
    theirs = [polling(timedelta(minutes=m)) for m in (30, 180, 720)]
    print("cost per two-hop chain (ours: hop 1 is the member plan's copy action, AWS's own)")
    print("| design, run | state transitions | Lambda invocations | AWS API calls | "
          "DynamoDB writes | SQS requests | $ per 1,000 chains |")  # fmt: skip
    print("|---|---|---|---|---|---|---|")
    for cost in (*mine, *theirs):
        print(_row(cost))
    happy, three_hours = mine[0], theirs[1]
    ratio = three_hours.transitions / happy.transitions
    print(f"\ntransitions per two-hop chain: ours {happy.transitions} (goal <= 16); polling a "
          f"3 h copy {three_hours.transitions}: {ratio:.0f} times more (goal >= 20)")  # fmt: skip
    print(f"our API calls per chain, happy path: {dict(sorted(happy.calls.items()))}")
    _at_scale(happy, theirs)
    print(f"\n(measured in {time.perf_counter() - started:.0f} s; Lambda GB-seconds use the "
          "sandbox's in-process handler times, a proxy for Lambda's)")  # fmt: skip


def _at_scale(happy: Cost, theirs: list[Cost]) -> None:
    print(f"\none night of {NIGHT:,} two-hop chains, at the prices above (us-east-1, 2026-11-23)")
    print("| design | state transitions | cost of the night | transitions per second over 8 h |")
    print("|---|---|---|---|")
    for cost in (happy, *theirs):
        night = cost.scaled(NIGHT)
        rate = night.transitions / (8 * 3600)
        print(f"| {cost.name} | {night.transitions:,} | ${night.dollars():,.0f} | {rate:,.0f} |")
    print(
        "\nquotas such a night meets first: AWS Backup copies RDS snapshots 20 at a time per "
        f"destination region and account, DocumentDB and Neptune "
        f"{prices.DOCDB_NEPTUNE_COPIES_IN_PROGRESS_PER_REGION}: at 20 in flight, 200,000 "
        "copies of 30 min take about 208 days, so the chain's slots (MaxConcurrentCopies) "
        "queue them and a real night is bounded by RDS, not by us. Step Functions: "
        f"{prices.START_EXECUTIONS_PER_SECOND} StartExecution per second and "
        f"{prices.OPEN_EXECUTIONS:,} open executions: 200,000 chains open at once fit, started "
        f"in about {NIGHT // prices.START_EXECUTIONS_PER_SECOND // 60} min; the polling "
        "design's 3 h copies need "
        f"{theirs[1].scaled(NIGHT).transitions / (3 * 3600):,.0f} transitions per second "
        f"while they all poll, against a {prices.STATE_TRANSITIONS_PER_SECOND:,} per second "
        "refill."
    )


if __name__ == "__main__":
    main()
