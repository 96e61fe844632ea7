"""What one copy chain costs: state transitions, Lambda invocations and wall time, in the sandbox.

Run: make bench   (or .venv/bin/python bench/chain_cost.py)
Step Functions Standard bills per state transition; the figures are per chain (one hop, member
Aurora copy landed in the central vault -> DR vault), measured from the execution history of the
real ASL running in moto's interpreter.
"""

from __future__ import annotations

import os
import time
from collections import Counter

from backup_relay_sandbox.cloud import (
    MEMBER_ACCOUNTS,
    SANDBOX_MOTO_CONFIG,
    client,
    use_fake_credentials,
)

use_fake_credentials()
os.environ["POWERTOOLS_METRICS_DISABLED"] = "true"  # figures only, no EMF lines

from moto import mock_aws  # noqa: E402

from backup_relay_sandbox.organization import CENTRAL_VAULT_ARN, Organization  # noqa: E402

CHAINS = 4


def main() -> None:
    with mock_aws(config=SANDBOX_MOTO_CONFIG):
        types = ("RDS", "Aurora", "DocumentDB", "Neptune")[:CHAINS]
        org = Organization.build(members=MEMBER_ACCOUNTS[:1], resource_types=types)
        points = {key: org.backup(*key) for key in org.resources}
        org.settle()
        started = time.perf_counter()
        for (account, _), point in points.items():
            org.plan_copy(account, point, CENTRAL_VAULT_ARN)
        org.settle()
        elapsed = time.perf_counter() - started
        kinds: Counter[str] = Counter()
        sfn = client("stepfunctions")
        for execution in org.executions():
            history = sfn.get_execution_history(
                executionArn=execution["executionArn"], maxResults=1000
            )
            kinds.update(event["type"] for event in history["events"])
    transitions = (
        kinds["TaskStateEntered"] + kinds["ChoiceStateEntered"] + kinds["SucceedStateEntered"]
    )
    print(f"{CHAINS} chains (one hop each), all SUCCEEDED: {kinds['ExecutionSucceeded'] == CHAINS}")
    print(f"state transitions per chain      {transitions / CHAINS:.1f}")
    print(f"task calls per chain (Lambda + DynamoDB) {kinds['TaskScheduled'] / CHAINS:.1f}")
    # (the plans' own copies are AWS Backup's doing, not API calls: only the chains' count)
    print(f"StartCopyJob calls by the chains {org.sim.faults.start_copy_job_calls}")
    print(f"sandbox wall time                {elapsed:.1f} s for the plan copies and the chains")


if __name__ == "__main__":
    main()
