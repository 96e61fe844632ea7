"""The unit tier's guard (tests/unit/conftest.py) holds inside every unit test: what would reach
past the process is refused before it starts."""

from __future__ import annotations

import socket
import subprocess

import pytest

REFUSED = pytest.fail.Exception


def test_a_unit_test_opens_no_network_socket_and_resolves_no_name() -> None:
    with pytest.raises(REFUSED, match="opens a network socket"):
        socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    with pytest.raises(REFUSED, match="resolves a host name"):
        socket.create_connection(("localhost", 9))


def test_a_unit_test_may_use_a_local_socket_pair() -> None:
    left, right = socket.socketpair()  # AF_UNIX: what an event loop makes for itself
    left.close()
    right.close()


def test_a_unit_test_starts_no_process() -> None:
    with pytest.raises(REFUSED, match="starts a process"):
        subprocess.run(["true"], check=False)


@pytest.mark.parametrize("name", ["moto", "backup_relay_sandbox.cloud"])
def test_a_unit_test_imports_neither_moto_nor_the_sandbox(name: str) -> None:
    with pytest.raises(REFUSED, match=f"imports {name}"):
        __import__(name)
