"""The unit tier is pure: the domain and the use cases on in-memory ports, in seconds.

A test here opens no network socket, starts no process and imports neither moto nor the sandbox
(backup_relay_sandbox), nor does its module. The guard below fails one that does, saying what it
did: such a test belongs in tests/integration (docs/testing.md)."""

from __future__ import annotations

import _posixsubprocess
import builtins
import os
import socket
import subprocess
import sys
from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

#: packages a unit test may not import (their modules' names start with one of these)
FORBIDDEN = ("moto", "backup_relay_sandbox")
NETWORK_FAMILIES = (socket.AF_INET, socket.AF_INET6)
HERE = Path(__file__).resolve().parent

#: unit test module -> what it imported of FORBIDDEN, found when it was collected
IMPURE_MODULES: dict[Path, str] = {}


def _forbidden(name: str) -> bool:
    return name.split(".", 1)[0] in FORBIDDEN


def _forbidden_loaded() -> set[str]:
    """The FORBIDDEN packages loaded so far (a module's import loads its package first); a test
    that hides a package (sys.modules[name] = None, "not installed") loads nothing."""
    return {name for name in FORBIDDEN if sys.modules.get(name) is not None}


def _imported_from(module: ModuleType) -> set[str]:
    """The FORBIDDEN modules `module`'s own imports name (`import x`, `from x import y`)."""
    names = set()
    for value in vars(module).values():
        origin = value.__name__ if isinstance(value, ModuleType) else None
        origin = origin or getattr(value, "__module__", None)
        if isinstance(origin, str) and _forbidden(origin):
            names.add(origin)
    return names


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(
    collector: pytest.Collector,
) -> Generator[None, pytest.CollectReport, pytest.CollectReport]:
    """Note a test module whose import brings in moto or the sandbox, directly or through a
    helper (the latter seen only where nothing had loaded them before, as in `make unit`)."""
    if not isinstance(collector, pytest.Module):
        return (yield)
    before = _forbidden_loaded()
    report = yield
    direct = _imported_from(collector.obj) if report.passed else set()
    helpers = _forbidden_loaded() - before
    if direct:
        IMPURE_MODULES[collector.path] = ", ".join(sorted(direct))
    elif helpers:
        IMPURE_MODULES[collector.path] = f"{', '.join(sorted(helpers))}, through a helper,"
    return report


def _refuse(test: str, what: str) -> None:
    pytest.fail(
        f"{test} {what}: the unit tier is pure (no network, no process, no moto, no sandbox); "
        "move the test to tests/integration",
        pytrace=True,
    )


@pytest.fixture(autouse=True)
def _pure(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Fail the test on its first socket to a network, process, or import of FORBIDDEN."""
    test = request.node.nodeid
    module = IMPURE_MODULES.get(request.node.path)
    if module:
        _refuse(test, f"imports {module} when its module is imported")

    def refusing(what: str) -> Callable[..., Any]:
        def refused(*args: Any, **kwargs: Any) -> Any:
            _refuse(test, what)

        return refused

    socket_init = socket.socket.__init__

    def guarded_socket(
        self: socket.socket, family: int = -1, type: int = -1, proto: int = -1, fileno: Any = None
    ) -> None:
        if fileno is None and (socket.AF_INET if family == -1 else family) in NETWORK_FAMILIES:
            _refuse(test, "opens a network socket")
        socket_init(self, family, type, proto, fileno)

    monkeypatch.setattr(socket.socket, "__init__", guarded_socket)
    monkeypatch.setattr(socket, "getaddrinfo", refusing("resolves a host name"))
    for owner, name in (
        (subprocess.Popen, "_execute_child"),
        (_posixsubprocess, "fork_exec"),
        (os, "system"),
        (os, "fork"),
        (os, "posix_spawn"),
        (os, "posix_spawnp"),
    ):
        monkeypatch.setattr(owner, name, refusing("starts a process"))

    real_import = builtins.__import__

    def guarded_import(
        name: str, globals: Any = None, locals: Any = None, fromlist: Any = (), level: int = 0
    ) -> Any:
        if level == 0 and _forbidden(name):
            _refuse(test, f"imports {name}")
        return real_import(name, globals, locals, fromlist, level)

    monkeypatch.setattr(builtins, "__import__", guarded_import)
    before = _forbidden_loaded()
    yield
    # an import that bypasses `import` (importlib.import_module) still lands in sys.modules
    if loaded := _forbidden_loaded() - before:
        _refuse(test, f"imports {', '.join(sorted(loaded))}")
