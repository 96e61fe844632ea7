"""Cold start of each Lambda handler: its import, then its first event, each in a fresh process.

Run: make bench   (or .venv/bin/python bench/cold_start.py [--runs N] [--only ingest,alerts]
                   [--venv] [--no-pyc]; where the time goes: bench/cold_start_breakdown.py)

Against what: the sandbox's night (`make demo`'s) runs here under moto, served on 127.0.0.1 as
`backup-relay sandbox up` serves it. Each event-driven function's first event of the night is
kept (ingest: a batch with a member's copy landing in the central vault, which starts a chain;
chain steps: the first step; alerts: the first alert, under a new id each run, so it is
published); chain-ended gets a chain's execution end as if it had timed out (its rule passes no
other), reconcile and the doctor a scheduled event, replay a dry run over 24 h, bring-back a DR
copy back to a member. Each is one AWS may deliver again (a redelivery, a retried step): every
run takes the same path.

How: bench/lambda_runtime.py, in a fresh interpreter with the environment the template gives the
function (LAMBDA_TASK_ROOT set: Powertools knows it is in Lambda) and AWS_ENDPOINT_URL at the
sandbox, imports the handler, hands it the event, then a second one (warm), and reports the wall
and CPU time of each. Tracing off (POWERTOOLS_TRACE_DISABLED=true) and on (the template's
Tracing: Active; an X-Ray trace header, sampled; segments go by UDP to 127.0.0.1:2000, where
nothing listens). Medians of --runs runs. The interpreter sees only what a function has in
Lambda: the layer as layers/relay/Makefile builds it (for this machine, .pyc included;
--no-pyc: without), and boto3/botocore as the runtime provides them, in .aws-sam/bench/; -S (no
site-packages), -B (/opt is read-only). --venv imports from the venv instead, which holds what
Lambda has not (awscrt, pyOpenSSL, requests), and botocore and the X-Ray SDK import them.

Not measured: the interpreter's start, the runtime fetching the event. The calls' time in moto
is in the wall time, not in the CPU time (moto runs in this process).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from importlib.metadata import version
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RUNTIME = ROOT / "bench" / "lambda_runtime.py"
TREE = ROOT / ".aws-sam" / "bench"  # beside sam build's output, ignored by git
GOAL_MS = 500  # issue #21: import and first event, every handler
TRACING = {
    "off": {"POWERTOOLS_TRACE_DISABLED": "true"},
    "on": {
        "_X_AMZN_TRACE_ID": "Root=1-67891233-abcdef012345678912345678;Parent=53995c3f42cd8ad8;"
        "Sampled=1",
        "AWS_XRAY_DAEMON_ADDRESS": "127.0.0.1:2000", "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR",
    },
}  # fmt: skip
SCHEDULED = {"version": "0", "detail-type": "Scheduled Event", "source": "aws.events",
             "region": "us-west-2", "resources": [], "detail": {}}  # fmt: skip


@dataclass
class Handler:
    logical_id: str
    folder: str  # functions/<folder>/app.py
    environment: dict[str, str]
    event: Callable[[int], dict[str, Any]]  # the first event (0, 2, 4...), the warm one (1, 3...)

    @property
    def app(self) -> Path:
        return ROOT / "functions" / self.folder / "app.py"


#: One run: the import's wall and CPU seconds, the first event's, the warm event's.
Sample = tuple[float, float, float, float, float, float]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--only", default="", help="function folders, comma-separated")
    parser.add_argument("--venv", action="store_true", help="import from the venv, not the layer")
    parser.add_argument("--no-pyc", action="store_true", help="a layer without .pyc")
    args = parser.parse_args(argv)
    only = {name for name in args.only.split(",") if name}
    python = [] if args.venv else lambda_python(compiled=not args.no_pyc)
    with sandbox() as (endpoint, handlers):
        chosen = [h for h in handlers if not only or h.folder in only]
        print(f"median of {args.runs} fresh processes; goal: import + first event <= {GOAL_MS} ms")
        print(f"python: {sys.version.split()[0]}, {' '.join(python) or 'the venv'}")
        print(f"interpreter start (python -S -c pass): {_interpreter_start(args.runs):.0f} ms")
        print(f"load average before: {_load()}")
        header = f"{'handler':<14}{'tracing':>8}{'import':>12}{'first event':>13}{'total':>13}"
        print(f"{header}{'warm event':>13}   (wall ms, CPU ms in brackets)")
        for handler in chosen:
            for tracing in TRACING:
                samples = [_run(handler, endpoint, tracing, i, *python) for i in range(args.runs)]
                _report(handler, tracing, samples)
        print(f"load average after: {_load()}")


def _report(handler: Handler, tracing: str, samples: list[Sample]) -> None:
    def ms(*columns: int) -> tuple[float, float]:  # (wall, CPU) medians of columns summed
        wall = statistics.median(sum(s[c] for c in columns) for s in samples)
        return wall * 1000, statistics.median(
            sum(s[c + 1] for c in columns) for s in samples
        ) * 1000

    imported, first, total, warm = ms(0), ms(2), ms(0, 2), ms(4)
    verdict = "ok" if total[0] <= GOAL_MS else "OVER"
    cells = "".join(f"{f'{w:.0f} ({c:.0f})':>13}" for w, c in (imported, first, total, warm))
    print(f"{handler.folder:<14}{tracing:>8}{cells[1:]}   {verdict}", flush=True)


def _run(handler: Handler, endpoint: str, tracing: str, index: int, *flags: str) -> Sample:
    result = invoke(handler, endpoint, tracing, index, *flags)
    (a, b), (c, d), (e, f) = result["import"], result["first_event"], result["warm_event"]
    return a, b, c, d, e, f


def invoke(
    handler: Handler, endpoint: str, tracing: str, index: int, *flags: str
) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as scratch:
        events, result = Path(scratch) / "events.json", Path(scratch) / "result.json"
        events.write_text(json.dumps([handler.event(2 * index), handler.event(2 * index + 1)]))
        env = _lambda_environment(handler, endpoint) | TRACING[tracing]
        if "-S" in flags:
            env["PYTHONPATH"] = os.pathsep.join(str(path) for path in _lambda_path())
        command = [sys.executable, *flags, str(RUNTIME), str(handler.app), str(events), str(result)]
        done = subprocess.run(
            command, env=env, cwd=handler.app.parent, capture_output=True, text=True, check=False
        )
        if done.returncode != 0:
            raise RuntimeError(f"{handler.folder} failed:\n{done.stderr[-3000:]}")
        outcome: dict[str, Any] = json.loads(result.read_text())
        outcome["stderr"] = done.stderr
        return outcome


def _lambda_environment(handler: Handler, endpoint: str) -> dict[str, str]:
    """What Lambda gives the function (the template's variables and its own), the sandbox's
    endpoint and fake credentials; nothing of this process's environment."""
    return handler.environment | {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8",
        "AWS_REGION": "us-west-2", "AWS_DEFAULT_REGION": "us-west-2",
        "AWS_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing",
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.13",
        "AWS_LAMBDA_FUNCTION_NAME": handler.logical_id,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256", "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "LAMBDA_TASK_ROOT": str(handler.app.parent), "_HANDLER": "app.lambda_handler",
    }  # fmt: skip


# ---- what a function imports from in Lambda -------------------------------------------------


def lambda_python(*, compiled: bool = True) -> list[str]:
    """Build the layer and the runtime's packages; the interpreter's flags that use only them.
    Not `compiled`: the layer without its .pyc, as it was built before (`true` compiles none)."""
    layer = TREE / "layer"
    shutil.rmtree(layer, ignore_errors=True)
    python = f"{sys.version_info.major}.{sys.version_info.minor}"
    print("building the layer (layers/relay/Makefile) for this machine ...", flush=True)
    subprocess.run(
        [
            "make", "-s", "-C", str(ROOT / "layers" / "relay"), "build-RelayLayer",
            f"ARTIFACTS_DIR={layer}", f"PYTHON={sys.executable}",
            f"RUNTIME_PYTHON={sys.executable if compiled else 'true'}", f"PYTHON_VERSION={python}",
            f"PLATFORM=manylinux2014_{platform.machine()}",
        ],
        check=True,
    )  # fmt: skip
    runtime = _lambda_path()[1]
    if not runtime.is_dir():  # what the python3.13 runtime provides (test_built_layer.py)
        subprocess.run(
            [
                sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                "--target", str(runtime), f"boto3=={version('boto3')}",
                f"botocore=={version('botocore')}",
            ],
            check=True,
        )  # fmt: skip
    return ["-S", "-B"]


def _lambda_path() -> list[Path]:
    """/opt/python (the layer), then /var/runtime (boto3, botocore and their dependencies)."""
    runtime = f"runtime-boto3-{version('boto3')}-botocore-{version('botocore')}"
    return [TREE / "layer" / "python", TREE / runtime]


# ---- the sandbox and the first events --------------------------------------------------------


@contextmanager
def sandbox() -> Iterator[tuple[str, list[Handler]]]:
    """The sandbox's night, served on 127.0.0.1, and each handler with its first event."""
    from backup_relay_sandbox.cloud import SANDBOX_MOTO_CONFIG, use_fake_credentials

    use_fake_credentials()
    os.environ["POWERTOOLS_METRICS_DISABLED"] = "true"  # this process's handlers: the night's
    from moto import mock_aws
    from moto.server import ThreadedMotoServer

    from backup_relay_sandbox.backup_sim import clock

    # the night ends about now: the handlers, in other processes, tell the time by the clock
    clock.START = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=6)
    with mock_aws(config=SANDBOX_MOTO_CONFIG):
        print("running the sandbox's night ...", flush=True)
        org, first = _night()
        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per request
        port = _free_port()
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
        server.start()
        try:
            yield f"http://127.0.0.1:{port}", _handlers(org, first)
        finally:
            server.stop()


def _night() -> tuple[Any, dict[str, list[dict[str, Any]]]]:
    """The demo's night, and the events each function received once its copies started."""
    from backup_relay_sandbox.demo import night_with_a_failed_copy

    received: dict[str, list[dict[str, Any]]] = {}

    def keep_events(org: Any) -> None:
        for logical_id, function in org.central.functions.items():
            function.handler = _kept(function.handler, received.setdefault(logical_id, []))

    return night_with_a_failed_copy(before_copies=keep_events), received


def _kept(handler: Any, into: list[dict[str, Any]]) -> Any:
    def handle(event: dict[str, Any], context: Any) -> Any:
        into.append(json.loads(json.dumps(event)))
        return handler(event, context)

    return handle


def _handlers(org: Any, received: dict[str, list[dict[str, Any]]]) -> list[Handler]:
    from backup_relay_sandbox.cloud import MEMBER_ACCOUNTS, REGION
    from backup_relay_sandbox.organization import DR_VAULT_ARN, MEMBER_VAULT
    from backup_relay_sandbox.template import load_template

    resources = load_template()["Resources"]
    landing = _landing_batch(org, received["IngestFunction"])
    alert = received["AlertsFunction"][0]
    timed_out = _timed_out(org)
    [aurora_at_dr, *_] = [
        job
        for job in org.completed_copies_into(DR_VAULT_ARN)
        if job.resource.resource_type == "Aurora"
    ]
    events: dict[str, Callable[[int], dict[str, Any]]] = {
        "IngestFunction": lambda i: landing,
        "ChainStepsFunction": lambda i: received["ChainStepsFunction"][0],
        "ChainEndedFunction": lambda i: timed_out,
        "AlertsFunction": lambda i: _new_alert(alert, i),
        "ReconcileFunction": lambda i: SCHEDULED,
        "DoctorFunction": lambda i: SCHEDULED,
        "ReplayFunction": lambda i: {"since": "24h", "dry_run": True},
        "BringBackFunction": lambda i: {
            "recovery_point_arn": aurora_at_dr.destination_recovery_point_arn,
            "to_account": MEMBER_ACCOUNTS[0],
            "to_region": REGION,
            "to_vault": MEMBER_VAULT,
        },
    }
    folders = {lid: r["Properties"].get("CodeUri", "").strip("/").split("/")[-1]
               for lid, r in resources.items()}  # fmt: skip
    handlers = [
        Handler(logical_id, folders[logical_id], function.variables, events[logical_id])
        for logical_id, function in org.central.functions.items()
    ]
    return sorted(handlers, key=lambda handler: handler.folder)


def _landing_batch(org: Any, batches: list[dict[str, Any]]) -> dict[str, Any]:
    """The first batch's record holding a member's copy COMPLETED in the central vault."""
    from backup_relay.collect.normalize import normalize_json
    from backup_relay.domain.errors import InvalidJobEvent
    from backup_relay.domain.jobs import JobKind, JobState
    from backup_relay_sandbox.cloud import CENTRAL_ACCOUNT
    from backup_relay_sandbox.organization import CENTRAL_VAULT_ARN

    for batch in batches:
        for record in batch["Records"]:
            try:
                event = normalize_json(record["body"])
            except InvalidJobEvent:
                continue
            if (
                event.kind is JobKind.COPY
                and event.state is JobState.COMPLETED
                and event.account != CENTRAL_ACCOUNT
                and event.destination_vault_arn == CENTRAL_VAULT_ARN
            ):
                return batch | {"Records": [record]}
    raise LookupError("the night delivered no copy landing in the central vault")


def _timed_out(org: Any) -> dict[str, Any]:
    """The event of the night's first chain's execution, as if it had timed out (the rule
    hands the function only executions that did not succeed)."""
    from backup_relay_sandbox.cloud import CENTRAL_ACCOUNT, REGION
    from backup_relay_sandbox.status_events import status_change

    execution = org.executions()[-1] | {"status": "TIMED_OUT"}
    return status_change(execution, CENTRAL_ACCOUNT, REGION)


def _new_alert(batch: dict[str, Any], index: int) -> dict[str, Any]:
    """The night's first alert under a new id: published, not found already sent."""
    record = batch["Records"][0]
    alert = json.loads(record["body"])
    alert["alert_id"] = f"{alert['alert_id']}-bench-{os.getpid()}-{index}"
    return batch | {"Records": [record | {"body": json.dumps(alert)}]}


def _interpreter_start(runs: int) -> float:
    """What the machine takes to start Python now (ms, median): a yardstick for the figures,
    which grow with the load the machine is under."""
    return statistics.median(_timed([sys.executable, "-S", "-c", "pass"]) for _ in range(runs))


def _timed(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True)
    return (time.perf_counter() - started) * 1000


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _load() -> str:
    return " ".join(f"{load:.2f}" for load in os.getloadavg())


if __name__ == "__main__":
    main()
