"""Cold start of each Lambda handler: its import, then its first event, each in a fresh process.

Run: make bench   (or .venv/bin/python bench/cold_start.py [--runs N] [--only ingest,alerts]
                   [--breakdown] [--venv])

Against what. The sandbox's night (`make demo`'s, one failed copy included) runs in this process
under moto, which then serves it on 127.0.0.1, as `backup-relay sandbox up` does. While the
night runs, the first event each event-driven function receives is kept: ingest's SQS batch
holding a member's copy landing in the central vault (it starts a chain), the chain steps' first
step, the alerts function's first alert. The chain-ended function gets the end of a chain's
execution, as if it had timed out (its rule passes only executions that did not succeed).
Reconcile and the doctor get a scheduled event, replay a dry run over 24 h, bring-back a DR copy
of the night back to a member. Every event is one the function would see again in AWS (a
redelivery, a retried step), so every run takes the same path; the alert gets a new id each run,
so it is published, not found already sent.

How. For each handler, `bench/lambda_runtime.py` runs in a fresh interpreter as the Lambda
Python runtime would: with the environment the template gives the function (LAMBDA_TASK_ROOT
set, so Powertools knows it is in Lambda) and AWS_ENDPOINT_URL at the sandbox, it imports the
handler, hands it its event, then (warm) another like it, and reports the wall and CPU time of
each: what the first event takes beyond the warm one is what the cold start costs it. Twice per
handler: with tracing off (POWERTOOLS_TRACE_DISABLED=true) and on (the template's `Tracing:
Active`: an X-Ray trace header, sampled; segments go by UDP to 127.0.0.1:2000, where nothing
listens). Medians of `--runs` runs.

With what a function has in Lambda, not the venv: the layer as layers/relay/Makefile builds it
(its .pyc included), for this machine's platform and Python, and the runtime's boto3 and
botocore (the venv's versions), in .aws-sam/bench/; the interpreter runs with -S (no
site-packages) and -B (/opt is read-only: what has no .pyc is compiled at every cold start). The
venv holds more than Lambda does (awscrt, pyOpenSSL, requests...), and botocore and the X-Ray
SDK import some of them when they are there: `--venv` measures with the venv instead.

Not measured: the interpreter's start (the runtime's own), the runtime fetching the event, and
AWS's latency: calls go to moto on this machine, a few ms each, in the wall time, not in the
CPU time (moto runs in this process).

`--breakdown`: per handler, one more run under `python -X importtime`: what the import and the
first event spend importing, by package (the cumulative time of each import our code makes:
botocore's, say, with everything botocore imports), and the rest of each (for the first event:
building clients, calls, our code).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
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
        "AWS_XRAY_DAEMON_ADDRESS": "127.0.0.1:2000",
        "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR",
    },
}
SCHEDULED = {
    "version": "0",
    "id": "89d1a02d-5ec7-412e-82f5-13505f849b41",
    "detail-type": "Scheduled Event",
    "source": "aws.events",
    "account": "123456789012",
    "time": "2026-11-23T02:00:00Z",
    "region": "us-west-2",
    "resources": [],
    "detail": {},
}


@dataclass
class Handler:
    logical_id: str
    folder: str  # functions/<folder>/app.py
    environment: dict[str, str]
    event: Callable[[int], dict[str, Any]]  # the first event (0, 2, 4...), the warm one (1, 3...)

    @property
    def app(self) -> Path:
        return ROOT / "functions" / self.folder / "app.py"


@dataclass
class Sample:
    import_wall: float
    import_cpu: float
    first_wall: float
    first_cpu: float
    warm_wall: float
    warm_cpu: float


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--only", default="", help="function folders, comma-separated")
    parser.add_argument("--breakdown", action="store_true", help="-X importtime, per package")
    parser.add_argument("--venv", action="store_true", help="import from the venv, not the layer")
    parser.add_argument("--no-pyc", action="store_true", help="a layer without .pyc")
    args = parser.parse_args(argv)
    only = {name for name in args.only.split(",") if name}
    python = [] if args.venv else _lambda_python(compiled=not args.no_pyc)
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
        if args.breakdown:
            for handler in chosen:
                for tracing in TRACING:
                    _breakdown(handler, endpoint, tracing, *python)


def _report(handler: Handler, tracing: str, samples: list[Sample]) -> None:
    def ms(values: list[float]) -> float:
        return statistics.median(values) * 1000

    imported = ms([s.import_wall for s in samples]), ms([s.import_cpu for s in samples])
    first = ms([s.first_wall for s in samples]), ms([s.first_cpu for s in samples])
    total = (
        ms([s.import_wall + s.first_wall for s in samples]),
        ms([s.import_cpu + s.first_cpu for s in samples]),
    )
    warm = ms([s.warm_wall for s in samples]), ms([s.warm_cpu for s in samples])
    verdict = "ok" if total[0] <= GOAL_MS else "OVER"
    cells = "".join(f"{f'{w:.0f} ({c:.0f})':>13}" for w, c in (imported, first, total, warm))
    print(f"{handler.folder:<14}{tracing:>8}{cells[1:]}   {verdict}", flush=True)


def _run(handler: Handler, endpoint: str, tracing: str, index: int, *flags: str) -> Sample:
    result = _invoke(handler, endpoint, tracing, index, *flags)
    return Sample(*result["import"], *result["first_event"], *result["warm_event"])


def _invoke(
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
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "C.UTF-8",
        "AWS_REGION": "us-west-2",
        "AWS_DEFAULT_REGION": "us-west-2",
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.13",
        "AWS_LAMBDA_FUNCTION_NAME": handler.logical_id,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "LAMBDA_TASK_ROOT": str(handler.app.parent),
        "_HANDLER": "app.lambda_handler",
    }


# ---- what a function imports from in Lambda -------------------------------------------------


def _lambda_python(*, compiled: bool = True) -> list[str]:
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


# ---- --breakdown: where the time goes --------------------------------------------------------

_IMPORTTIME = re.compile(r"import time:\s+(\d+) \|\s+\d+ \| ( *)(\S+)")
_PHASE = "lambda_runtime: "  # bench/lambda_runtime.py's MARK
#: Whose import time a module's is: a package's dependencies go with it (pydantic_core with
#: pydantic); a standard library module goes with the package that imported it first.
_OWNERS = {
    "backup_relay": "ours",
    "aws_lambda_powertools": "Powertools",
    "pydantic": "pydantic", "pydantic_core": "pydantic", "annotated_types": "pydantic",
    "typing_extensions": "pydantic", "typing_inspection": "pydantic",
    "botocore": "botocore", "urllib3": "botocore", "dateutil": "botocore",
    "jmespath": "botocore", "six": "botocore",
    "boto3": "boto3", "s3transfer": "boto3",
    "aws_xray_sdk": "X-Ray SDK", "wrapt": "X-Ray SDK",
}  # fmt: skip


@dataclass
class _Import:
    name: str
    self_us: int
    children: list[_Import]


def _breakdown(handler: Handler, endpoint: str, tracing: str, *flags: str) -> None:
    """Per phase, its import time by whose it is (_OWNERS), and the rest of the phase."""
    outcome = _invoke(handler, endpoint, tracing, 0, *flags, "-X", "importtime")
    phases: dict[str, list[_Import]] = {}
    pending: dict[int, list[_Import]] = {}  # -X importtime prints a module after its imports
    phase = ""
    for line in outcome["stderr"].splitlines():
        if line.startswith(_PHASE):
            phases[phase], pending, phase = pending.get(0, []), {}, line.removeprefix(_PHASE)
        elif match := _IMPORTTIME.match(line):
            depth = len(match[2]) // 2
            module = _Import(match[3], int(match[1]), pending.pop(depth + 1, []))
            pending.setdefault(depth, []).append(module)
    phases[phase] = pending.get(0, [])
    print(f"\n{handler.folder}, tracing {tracing} (ms, under -X importtime):")
    for name in ("import", "first_event"):
        owners: Counter[str] = Counter()
        for module in phases.get(name, []):
            _charge(module, "the standard library", owners)
        took = outcome[name][0] * 1000
        importing = sum(owners.values()) / 1000
        shares = ", ".join(
            f"{owner} {us / 1000:.0f}" for owner, us in owners.most_common() if us >= 500
        )
        print(f"  {name.replace('_', ' ')} {took:.0f}: importing {shares}; the rest "
              f"{took - importing:.0f}")  # fmt: skip


def _charge(module: _Import, owner: str, owners: Counter[str]) -> None:
    package = module.name.split(".")[0]
    if package not in sys.stdlib_module_names:
        owner = _OWNERS.get(package, package)
    owners[owner] += module.self_us
    for child in module.children:
        _charge(child, owner, owners)


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
    return sorted(
        (
            Handler(
                logical_id,
                resources[logical_id]["Properties"]["CodeUri"].strip("/").split("/")[-1],
                function.variables,
                events[logical_id],
            )
            for logical_id, function in org.central.functions.items()
        ),
        key=lambda handler: handler.folder,
    )


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
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-S", "-c", "pass"], check=True)
        samples.append(time.perf_counter() - started)
    return statistics.median(samples) * 1000


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _load() -> str:
    return " ".join(f"{load:.2f}" for load in os.getloadavg())


if __name__ == "__main__":
    main()
