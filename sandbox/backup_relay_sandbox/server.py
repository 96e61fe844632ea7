"""`backup-relay sandbox up`: the sandbox organization behind a local AWS endpoint.

One background process holds moto (in server mode, on 127.0.0.1) with the AWS Backup simulator
plugged in, the central and member stacks deployed as `make demo` deploys them, and the demo's
night already run (its failed copy included, so `replay` has work). The central stack is also
registered in moto's CloudFormation under its name, with its parameters and outputs, so the
operator commands find it as they find a deployed stack: `status`, `replay`, `coverage`,
`bring-back` run unchanged, only AWS_ENDPOINT_URL differs. While it runs, the process keeps
AWS Backup's virtual time moving whenever there is work (a replay's copy job completes, its
chain runs on). `backup-relay sandbox down` stops it.

    python -m backup_relay_sandbox.server --port 5055 --dir ~/.backup-relay-sandbox
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from backup_relay_sandbox.cloud import (
    CENTRAL_ACCOUNT,
    FAKE_ENVIRONMENT,
    REGION,
    SANDBOX_MOTO_CONFIG,
    client,
    use_fake_credentials,
)
from backup_relay_sandbox.template import resolve

STACK_NAME = "backup-relay"
READY, PID, LOG, ADVANCE = "ready.json", "server.pid", "server.log", "advance"


def environment(port: int) -> dict[str, str]:
    """What a shell exports to reach the sandbox as if it were AWS."""
    return {
        "AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}",
        "AWS_ACCESS_KEY_ID": FAKE_ENVIRONMENT["AWS_ACCESS_KEY_ID"],
        "AWS_SECRET_ACCESS_KEY": FAKE_ENVIRONMENT["AWS_SECRET_ACCESS_KEY"],
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
    }


def serve(port: int, directory: Path, *, night: bool = True) -> None:
    use_fake_credentials()
    os.environ["POWERTOOLS_METRICS_DISABLED"] = "true"
    from moto import mock_aws
    from moto.server import ThreadedMotoServer

    from backup_relay_sandbox.backup_sim import clock
    from backup_relay_sandbox.demo import night_with_a_failed_copy
    from backup_relay_sandbox.organization import Organization

    # the night ends about now: the operator commands, in another process, tell the time by
    # the wall clock, and the night's copies are hours, not days, old
    clock.START = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=6)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with mock_aws(config=SANDBOX_MOTO_CONFIG):
        org = night_with_a_failed_copy() if night else Organization.build(wait_timeout_seconds=5)
        _register_stack(org)
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
        server.start()
        (directory / READY).write_text(json.dumps({"port": port, "stack": STACK_NAME}))
        try:
            while not stop.wait(0.5):
                _advance_if_asked(org, directory / ADVANCE)
                org.settle()  # deliver what arrived, let virtual time pass while work is pending
        finally:
            server.stop()


def _advance_if_asked(org: Any, request: Path) -> None:
    """`sandbox advance` writes how far to move AWS Backup's virtual clock (seconds); moving it
    runs what falls due (jobs end, lifecycles expire), then the file goes: the answer."""
    try:
        seconds = float(request.read_text())
    except (OSError, ValueError):
        return
    step, left = timedelta(minutes=5), timedelta(seconds=seconds)
    while left > timedelta(0):
        org.sim.advance(min(step, left))
        org.settle()
        left -= step
    request.unlink(missing_ok=True)


def _register_stack(org: Any) -> None:
    """The central stack, as CloudFormation would describe it: its parameters and outputs."""
    values = org.central.stack.values
    template = org.central.stack.template
    parameters = {name: str(values[name]) for name in template["Parameters"]}
    outputs = {}
    for name, output in template.get("Outputs", {}).items():
        try:  # those of resources the sandbox does not create (a dashboard) are left out
            outputs[name] = str(resolve(output["Value"], values))
        except KeyError:
            continue
    body = {
        "Parameters": {name: {"Type": "String"} for name in parameters},
        "Resources": {"Sandbox": {"Type": "AWS::CloudFormation::WaitConditionHandle"}},
        "Outputs": {name: {"Value": value} for name, value in outputs.items()},
    }
    client("cloudformation", REGION, CENTRAL_ACCOUNT).create_stack(
        StackName=STACK_NAME,
        TemplateBody=json.dumps(body),
        Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()],
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dir", type=Path, required=True)
    parser.add_argument("--no-night", action="store_true", help="an organization, no night")
    args = parser.parse_args(argv)
    args.dir.mkdir(parents=True, exist_ok=True)
    serve(args.port, args.dir, night=not args.no_night)
    return 0


# ---- the CLI's side: start it in the background, wait until it is ready, stop it ----------


def advance(directory: Path, by: timedelta, timeout: float = 120.0) -> None:
    """Move the running sandbox's virtual clock by `by`, and wait until it has."""
    if not running(directory):
        raise RuntimeError("no sandbox runs: backup-relay sandbox up first")
    request = directory / ADVANCE
    request.write_text(str(by.total_seconds()))
    deadline = time.monotonic() + timeout
    while request.exists():
        if time.monotonic() > deadline:
            raise RuntimeError(f"the sandbox did not advance in {timeout:g} s")
        time.sleep(0.1)


def start(
    port: int, directory: Path, *, night: bool = True, timeout: float = 120.0
) -> dict[str, str]:
    """Start the server process (detached) and wait until it serves; its environment."""
    import subprocess

    directory.mkdir(parents=True, exist_ok=True)
    if running(directory):
        raise RuntimeError(f"a sandbox already runs (pid {_pid(directory)}): sandbox down first")
    (directory / READY).unlink(missing_ok=True)
    with (directory / LOG).open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "backup_relay_sandbox.server", "--port", str(port),
             "--dir", str(directory), *([] if night else ["--no-night"])],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True,
        )  # fmt: skip
    (directory / PID).write_text(str(process.pid))
    deadline = time.monotonic() + timeout
    while not (directory / READY).exists():
        if process.poll() is not None:
            raise RuntimeError(f"the sandbox stopped while starting: see {directory / LOG}")
        if time.monotonic() > deadline:
            stop(directory)
            raise RuntimeError(f"the sandbox did not start in {timeout:g} s: see {directory / LOG}")
        time.sleep(0.2)
    return environment(port)


def running(directory: Path) -> bool:
    pid = _pid(directory)
    if pid is None:
        return False
    try:  # reap it if it is our own child that ended (a zombie answers kill 0)
        if os.waitpid(pid, os.WNOHANG)[0] == pid:
            return False
    except ChildProcessError:
        pass
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    return True


def stop(directory: Path, timeout: float = 20.0) -> bool:
    """Stop the server process; False when none ran."""
    pid = _pid(directory)
    stopped = False
    if pid is not None and running(directory):
        os.killpg(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while running(directory) and time.monotonic() < deadline:
            time.sleep(0.1)
        if running(directory):
            os.killpg(pid, signal.SIGKILL)
        stopped = True
    for name in (PID, READY):
        (directory / name).unlink(missing_ok=True)
    return stopped


def _pid(directory: Path) -> int | None:
    try:
        return int((directory / PID).read_text())
    except (OSError, ValueError):
        return None


if __name__ == "__main__":
    sys.exit(main())
