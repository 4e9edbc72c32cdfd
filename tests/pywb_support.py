"""pywb's ``wayback`` serving a collection of WARC files on a free local port, for replay tests.

pywb lives in a virtualenv of its own, ``.venv/tools/pywb`` (the Makefile's install step makes it):
it pins redis==2.10.6 and fakeredis<1.0, which cannot share a venv with the crawler's redis>=5.
Tests that use it skip without it rather than fail. ``PYWB_BIN`` is the directory of its commands
(a venv that has pywb installed beside this Python also does).
"""

from __future__ import annotations

import gzip
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from email.message import Message
from pathlib import Path

import pytest

VENV_BIN = Path(sys.executable).parent
#: Where pywb's commands are looked for: its own venv first (``.venv/tools/pywb``), then beside
#: this Python (an older checkout's venv had pywb installed as a dev extra).
_CANDIDATES = (VENV_BIN.parent / "tools" / "pywb" / "bin", VENV_BIN)


def _pywb_bin() -> Path:
    for directory in _CANDIDATES:
        if (directory / "wayback").exists() and (directory / "cdx-indexer").exists():
            return directory
    return _CANDIDATES[0]


PYWB_BIN = _pywb_bin()


def needs_pywb() -> None:
    """Skip the calling test when pywb's commands are not installed (``make setup`` installs them)."""
    if not (PYWB_BIN / "wayback").exists() or not (PYWB_BIN / "cdx-indexer").exists():
        pytest.skip(f"pywb is not installed in {_CANDIDATES[0]} (make setup)")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def wayback(root: Path, warcs: Iterable[Path], index: Path) -> Iterator[str]:
    """Serve ``warcs`` with their CDXJ ``index`` as pywb collection ``xxgk`` (a directory of
    symlinks under ``root``, so the files pywb reads are the very ones given); yields its base URL."""
    needs_pywb()
    coll = root / "collections" / "xxgk"
    (coll / "indexes").mkdir(parents=True)
    (coll / "archive").mkdir()
    for path in warcs:
        os.symlink(path.resolve(), coll / "archive" / path.name)
    os.symlink(index.resolve(), coll / "indexes" / "index.cdxj")
    (root / "config.yaml").write_text("collections: {}\n")
    port = free_port()
    proc = subprocess.Popen(
        [str(PYWB_BIN / "wayback"), "--port", str(port), "--bind", "127.0.0.1", "-d", str(root)],
        cwd=root,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(300):  # pywb starts in a second or two; give a busy machine room
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                if proc.poll() is not None:
                    pytest.fail("pywb exited on start")
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}/xxgk"
    finally:
        proc.terminate()
        proc.wait(10)


def get(url: str) -> tuple[int, Message, bytes]:
    """Status, headers and body (decoded when pywb sent it gzip-encoded) of a GET; an HTTP error
    status is returned, not raised, so a test can say which status it got."""
    request = urllib.request.Request(url, headers={"Accept-Encoding": "identity"})
    try:
        answer = urllib.request.urlopen(request, timeout=30)
    except urllib.error.HTTPError as error:
        answer = error
    with answer:
        body: bytes = answer.read()
        if answer.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        return answer.status, answer.headers, body


def replay(base: str, stamp: str, url: str) -> tuple[bytes, str]:
    """The body pywb replays (``id_``: as archived, not rewritten) and its Memento-Datetime."""
    status, headers, body = get(f"{base}/{stamp}id_/{url}")
    assert status == 200, (status, url, body[:300])
    return body, str(headers.get("Memento-Datetime"))
