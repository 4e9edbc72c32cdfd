"""A real ``redis-server`` for the tests of distributed crawling (tests/test_distributed.py).

``redis_server`` (session): Debian's ``redis-server`` on a free port of 127.0.0.1, in a temporary
directory, with persistence off; killed at the end. ``redis_url`` (per test): its URL, after
``FLUSHALL``, so that every test starts from an empty Redis.

Without ``redis-server`` the tests skip and say how to install it, except in CI (``CI=true``),
where ``deploy/install-redis.sh`` (run by ``make unit``) must have installed it: there they fail.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest


@dataclass
class RedisServer:
    """A running redis-server: its port and process."""

    port: int
    process: subprocess.Popen[bytes]

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def command(self, *args: str) -> bytes:
        """One command through the RESP protocol (no client library needed: the tests use the
        project's own redis-py only through the crawler)."""
        parts = [f"*{len(args)}\r\n".encode()]
        for arg in args:
            data = arg.encode()
            parts.append(b"$%d\r\n%s\r\n" % (len(data), data))
        with socket.create_connection(("127.0.0.1", self.port), timeout=5) as sock:
            sock.sendall(b"".join(parts))
            return sock.recv(65536)


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("true", "1")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    binary = shutil.which("redis-server") or (
        "/usr/bin/redis-server" if Path("/usr/bin/redis-server").exists() else None
    )
    if binary is None:
        message = (
            "redis-server is not installed (bash deploy/install-redis.sh, or apt-get install redis-server)"
        )
        if _in_ci():
            pytest.fail(f"CI must run the distributed tests: {message}")
        pytest.skip(message)
    directory = tmp_path_factory.mktemp("redis")
    port = _free_port()
    process = subprocess.Popen(
        [
            binary,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(directory),
            "--protected-mode",
            "yes",
        ],
        cwd=directory,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    server = RedisServer(port, process)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                if server.command("PING").startswith(b"+PONG"):
                    break
            except OSError:
                pass
            if process.poll() is not None:
                pytest.fail(f"redis-server exited on start (status {process.returncode})")
            if time.monotonic() > deadline:
                pytest.fail("redis-server did not answer PING within 20 s")
            time.sleep(0.05)
        yield server
    finally:
        process.kill()
        process.wait(10)


@pytest.fixture
def redis_url(redis_server: RedisServer) -> str:
    """The test Redis's URL, emptied for this test."""
    assert redis_server.command("FLUSHALL").startswith(b"+OK")
    return redis_server.url
