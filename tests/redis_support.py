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


def redis_binary() -> str | None:
    """Debian's redis-server, if installed."""
    return shutil.which("redis-server") or (
        "/usr/bin/redis-server" if Path("/usr/bin/redis-server").exists() else None
    )


def start_redis_server(binary: str, directory: Path, timeout: float = 20) -> RedisServer:
    """A throw-away redis-server on a free loopback port, persistence off, once it answers PING
    (also used by bench/crawl_scaling.py). Raises RuntimeError when it does not come up."""
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
    deadline = time.monotonic() + timeout
    while True:
        try:
            if server.command("PING").startswith(b"+PONG"):
                return server
        except OSError:
            pass
        problem = None
        if process.poll() is not None:
            problem = f"redis-server exited on start (status {process.returncode})"
        elif time.monotonic() > deadline:
            problem = f"redis-server did not answer PING within {timeout:g} s"
        if problem is not None:
            process.kill()
            process.wait(10)
            raise RuntimeError(problem)
        time.sleep(0.05)


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    binary = redis_binary()
    if binary is None:
        message = (
            "redis-server is not installed (bash deploy/install-redis.sh, or apt-get install redis-server)"
        )
        if _in_ci():
            pytest.fail(f"CI must run the distributed tests: {message}")
        pytest.skip(message)
    try:
        server = start_redis_server(binary, tmp_path_factory.mktemp("redis"))
    except RuntimeError as exc:
        pytest.fail(str(exc))
    try:
        yield server
    finally:
        server.process.kill()
        server.process.wait(10)


@pytest.fixture
def redis_url(redis_server: RedisServer) -> str:
    """The test Redis's URL, emptied for this test."""
    assert redis_server.command("FLUSHALL").startswith(b"+OK")
    return redis_server.url
