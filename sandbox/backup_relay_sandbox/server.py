"""`backup-relay sandbox up`: the sandbox organization behind a local AWS endpoint.

One background process holds moto (in server mode, on 127.0.0.1) with the AWS Backup simulator
plugged in, the central and member stacks deployed as `make demo` deploys them (restore drills
on), and the demo's night already run (its failed copy included, so `replay` has work), then a
drill of its DR copies (`coverage`'s last proven restore). The central stack is also
registered in moto's CloudFormation under its name, with its parameters and outputs, so the
operator commands find it as they find a deployed stack: `status`, `replay`, `coverage`,
`bring-back` run unchanged, only AWS_ENDPOINT_URL differs. While it runs, the process keeps
AWS Backup's virtual time moving whenever there is work (a replay's copy job completes, its
chain runs on), and only then: it settles after each request it serves (and when `sandbox
advance` or `sandbox night` signals it), so an idle sandbox sleeps. `backup-relay sandbox down`
stops it.

Its responses' HTTP `Date` header is the simulator's virtual time, as AWS's is its own: the
operator commands take "now" from the endpoint they call (adapters/aws.py), so after `sandbox
advance 30h` coverage and ages are 30 h older.

It runs with none of the caller's AWS_* variables (cloud.use_fake_credentials): the exports of an
earlier `sandbox up` or a profile that does not exist here must not reach moto's clients.

    python -m backup_relay_sandbox.server --port 5055 --dir ~/.backup-relay-sandbox/<checkout>
"""

from __future__ import annotations

import argparse
import email.utils
import errno
import json
import os
import signal
import socket
import sys
import threading
import time
import traceback
from collections.abc import Callable
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
    without_aws,
)
from backup_relay_sandbox.template import resolve

STACK_NAME = "backup-relay"
READY, PID, LOG, ADVANCE = "ready.json", "server.pid", "server.log", "advance"
NIGHT, PROGRESS, FAILED = "night", "progress.json", "failed"
#: With nothing asked of it, the server still settles this often (a safety net, not the clock).
IDLE_SETTLE_SECONDS = 60.0
#: `sandbox advance` moves the clock in at most this many strides when nothing runs (each
#: delivers what fell due); while work is pending it steps 5 minutes, as `settle` does.
IDLE_STRIDES = 100


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
    from moto.moto_server.werkzeug_app import (
        DomainDispatcherApplication,
        MotoRequestHandler,
        create_backend_app,
    )
    from werkzeug.serving import make_server

    from backup_relay_sandbox.backup_sim import clock
    from backup_relay_sandbox.demo import sandbox_organization
    from backup_relay_sandbox.drills import validate_ended_drills

    # the night ends about now, so that its copies are hours, not days, old by the wall clock
    # too (a browser of the console, an operator's own clock)
    clock.START = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=6)
    stop, work = threading.Event(), threading.Event()

    def on_term(*_: object) -> None:
        stop.set()
        work.set()

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGUSR1, lambda *_: work.set())  # `sandbox advance` / `sandbox night`
    now: list[Callable[[], datetime]] = [lambda: datetime.now(UTC)]

    class Handler(MotoRequestHandler):
        def date_time_string(self, timestamp: float | None = None) -> str:
            """The response's `Date`: AWS Backup's virtual time."""
            return email.utils.formatdate(now[0]().timestamp(), usegmt=True)

    backend = DomainDispatcherApplication(create_backend_app)

    def app(environ: dict[str, Any], start_response: Any) -> Any:
        try:
            return backend(environ, start_response)
        finally:
            work.set()  # what the request started (a copy job, an execution) settles now

    # the port first: a busy one fails now, not after the night
    server = make_server("127.0.0.1", port, app, True, request_handler=Handler)
    with mock_aws(config=SANDBOX_MOTO_CONFIG):
        org = sandbox_organization(night=night)
        now[0] = lambda: org.sim.now
        _register_stack(org)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        (directory / READY).write_text(json.dumps({"port": port, "stack": STACK_NAME}))
        try:
            while not stop.is_set():
                work.wait(IDLE_SETTLE_SECONDS)
                work.clear()
                if stop.is_set():
                    break
                try:
                    _night_if_asked(org, directory)
                    _advance_if_asked(org, directory)
                    org.settle()  # deliver what arrived, let time pass while work is pending
                    validate_ended_drills(org)  # the plan's schedule, reached by advance
                except Exception as failed:  # the server lives on; the CLI says what failed
                    traceback.print_exc()
                    (directory / FAILED).write_text(f"{type(failed).__name__}: {failed}")
                    for name in (NIGHT, ADVANCE):
                        (directory / name).unlink(missing_ok=True)
        finally:
            server.shutdown()
            thread.join()


def _night_if_asked(org: Any, directory: Path) -> None:
    """`sandbox night` asks for another night of backups and copies (its failed copy too)."""
    if not (directory / NIGHT).exists():
        return
    from backup_relay_sandbox.demo import backups_and_copies

    try:
        backups_and_copies(org)
    finally:
        (directory / NIGHT).unlink(missing_ok=True)


def _advance_if_asked(org: Any, directory: Path) -> None:
    """`sandbox advance` writes how far to move AWS Backup's virtual clock (seconds); moving it
    runs what falls due (jobs end, lifecycles expire), then the file goes: the answer. While it
    moves, progress.json says how far it got."""
    request = directory / ADVANCE
    try:
        seconds = float(request.read_text())
    except (OSError, ValueError):
        return
    total = timedelta(seconds=seconds)
    _ = org.sim.now + total  # past the year 9999 it fails here, before the clock moves
    stride = max(timedelta(hours=1), total / IDLE_STRIDES)
    left = total
    try:
        while left > timedelta(0):
            busy = org.sim.clock.pending or org.running_executions()
            step = min(timedelta(minutes=5) if busy else stride, left)
            org.sim.advance(step)
            org.settle()
            left -= step
            done = (total - left) / total
            (directory / PROGRESS).write_text(json.dumps({"done": done, "now": _iso(org)}))
    finally:
        (directory / PROGRESS).unlink(missing_ok=True)
        request.unlink(missing_ok=True)


def _iso(org: Any) -> str:
    return str(org.sim.now.isoformat(timespec="minutes"))


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


def advance(
    directory: Path,
    by: timedelta,
    progress: Callable[[float, str], None] = lambda done, now: None,
    stalled: float = 120.0,
) -> None:
    """Move the running sandbox's virtual clock by `by`, and wait until it has; `progress`
    hears how far it got (a share, the virtual time) as it moves. RuntimeError if the server
    stops, or makes no progress for `stalled` seconds."""
    _ask(directory, ADVANCE, str(by.total_seconds()), progress, stalled)


def night(directory: Path, stalled: float = 120.0) -> None:
    """Run another night of backups and copies (its failed copy too) in the running sandbox."""
    _ask(directory, NIGHT, "1", lambda done, now: None, stalled)


def _ask(
    directory: Path,
    name: str,
    content: str,
    progress: Callable[[float, str], None],
    stalled: float,
) -> None:
    pid = _pid(directory)
    if pid is None or not running(directory):
        raise RuntimeError("no sandbox runs: backup-relay sandbox up first")
    request = directory / name
    (directory / FAILED).unlink(missing_ok=True)
    request.write_text(content)
    os.kill(pid, signal.SIGUSR1)
    last, deadline = None, time.monotonic() + stalled
    while request.exists():
        if not running(directory):
            raise RuntimeError(f"the sandbox stopped: see {directory / LOG}")
        try:
            seen = json.loads((directory / PROGRESS).read_text())
        except (OSError, ValueError):
            seen = last
        if seen != last and seen is not None:
            last, deadline = seen, time.monotonic() + stalled
            progress(float(seen["done"]), str(seen["now"]))
        if time.monotonic() > deadline:
            raise RuntimeError(
                f"the sandbox made no progress in {stalled:g} s: see {directory / LOG}"
            )
        time.sleep(0.1)
    if (directory / FAILED).exists():
        failed = (directory / FAILED).read_text()
        (directory / FAILED).unlink(missing_ok=True)
        raise RuntimeError(f"the sandbox failed to {name}: {failed} (see {directory / LOG})")


def port_in_use(port: int) -> bool:
    """Whether something listens on 127.0.0.1:`port` (checked before anything starts)."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server binds
        try:
            probe.bind(("127.0.0.1", port))
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                return True
            raise
    return False


def check_port(port: int) -> None:
    """RuntimeError, saying what to do, when something listens on the port already."""
    if port_in_use(port):
        raise RuntimeError(
            f"port {port} is in use (another sandbox, of another checkout?): "
            f"pass --port {port + 1}, or stop what listens there"
        )


def up(
    port: int, directory: Path, *, night: bool = True, timeout: float = 120.0
) -> tuple[dict[str, str], bool]:
    """The environment of the sandbox that runs from `directory`, and whether this call started
    it (False: one already ran, or was starting: its environment again)."""
    if running(directory):
        return environment(_wait_ready(directory, timeout)), False
    return start(port, directory, night=night, timeout=timeout), True


def start(
    port: int, directory: Path, *, night: bool = True, timeout: float = 120.0
) -> dict[str, str]:
    """Start the server process (detached) and wait until it serves; its environment. Ctrl-C
    while it starts stops it."""
    import subprocess

    directory.mkdir(parents=True, exist_ok=True)
    if running(directory):
        raise RuntimeError(f"a sandbox already runs (pid {_pid(directory)}): sandbox down first")
    check_port(port)
    (directory / READY).unlink(missing_ok=True)
    with (directory / LOG).open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "backup_relay_sandbox.server", "--port", str(port),
             "--dir", str(directory), *([] if night else ["--no-night"])],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True, env=without_aws(os.environ),
        )  # fmt: skip
    (directory / PID).write_text(str(process.pid))
    try:
        _wait_ready(directory, timeout, process)
    except BaseException:  # Ctrl-C too: no server left behind
        stop(directory)
        raise
    return environment(port)


def _wait_ready(directory: Path, timeout: float, process: Any = None) -> int:
    """The port of the sandbox of `directory`, once it serves."""
    deadline = time.monotonic() + timeout
    while not (directory / READY).exists():
        if (process is not None and process.poll() is not None) or not running(directory):
            raise RuntimeError(f"the sandbox stopped while starting: see {directory / LOG}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"the sandbox did not start in {timeout:g} s: see {directory / LOG}")
        time.sleep(0.2)
    return int(json.loads((directory / READY).read_text())["port"])


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
