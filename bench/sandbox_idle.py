"""What an idle `backup-relay sandbox up` costs: the server's CPU while nobody calls it, and the
time a command aimed at it takes once it is down.

Run: make bench   (or .venv/bin/python bench/sandbox_idle.py [seconds])
The server's CPU is its utime + stime from /proc/<pid>/stat (Linux), over `seconds` (default
30) of idleness after its night; then one `status` call (the server settles after it), then it
is stopped and `status` runs again against the endpoint that no longer answers.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from backup_relay_sandbox import server

TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # utime, stime (fields 14, 15)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def status(env: dict[str, str]) -> float:
    started = time.monotonic()
    subprocess.run(
        [sys.executable, "-m", "backup_relay_cli", "status"],
        env={**os.environ, **env}, capture_output=True, check=False,
    )  # fmt: skip
    return time.monotonic() - started


def main() -> int:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 30.0
    with tempfile.TemporaryDirectory() as directory:
        state = Path(directory)
        env = server.start(free_port(), state)
        pid = int((state / server.PID).read_text())
        try:
            time.sleep(3)  # the night's last settle
            before = cpu_seconds(pid)
            time.sleep(seconds)
            idle = cpu_seconds(pid) - before
            answered = status(env)
        finally:
            server.stop(state)
        down = status(env)
    print(f"idle sandbox server: {idle:.2f} s of CPU in {seconds:g} s = {idle / seconds:.3f} core")
    print(f"`backup-relay status` against it: {answered:.1f} s; once it is down: {down:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
