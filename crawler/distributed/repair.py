"""What a killed worker left in a shared archive, told apart from what live workers are writing.

An embedded crawl holds the archive alone (an exclusive lock), so everything half-written it finds
at its start is a leftover. A worker of a shared crawl is never alone: the torn tail of a WARC file
may be a record another worker is appending right now, and a ``*.tmp`` file a version another
worker is about to rename into place. So it repairs only what it can prove dead:

- a WARC file (``…-<pid>-<serial>.warc.gz``) written on this host (its warcinfo record names the
  host) by a process that is gone: its torn tail is cut. Files of other hosts are left alone: their
  pid says nothing here. Their own hosts' workers cut them, and until then ``xxgk verify`` reports
  the tail as a warning and the index stops before it.
- a temporary file that no process of this host has open and that is older than a write can take:
  a few seconds while every live worker of the archive's crawls runs on this host, an hour when
  some run elsewhere (a process on another host may hold it open; ``/proc`` cannot tell).
  Temporary names carry no pid (``pipelines/archive/files.py``), hence these tests.
"""

from __future__ import annotations

import os
import re
import socket
import time
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path

#: The pid in a WARC file's name (``pipelines/archive/warc.py``).
_WARC_NAME = re.compile(r"-(\d+)-\d+\.warc\.gz$")
#: A temporary file's age past which it is a leftover: all live workers here / some elsewhere.
LOCAL_TMP_AGE = 2.0
REMOTE_TMP_AGE = 3600.0


def process_gone(pid: int) -> bool:
    """Whether no process ``pid`` exists on this host (one of another user exists: not gone)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False
    return False


def warc_host(path: Path) -> str | None:
    """The ``hostname`` of a WARC file's warcinfo record (its first gzip member), or None."""
    inflater = zlib.decompressobj(wbits=31)
    text = b""
    try:
        with open(path, "rb") as handle:
            while not inflater.eof and len(text) < 65536:
                chunk = handle.read(16384)
                if not chunk:
                    break
                text += inflater.decompress(chunk)
    except (OSError, zlib.error):
        return None
    for line in text.split(b"\r\n"):
        if line.startswith(b"hostname:"):
            return line.split(b":", 1)[1].strip().decode("utf-8", "replace")
    return None


def dead_local_warcs(directory: Path) -> Iterator[Path]:
    """WARC files under ``directory`` whose writer is a process of this host that is gone."""
    here = socket.gethostname()
    for path in sorted(directory.glob("*.warc.gz")):
        found = _WARC_NAME.search(path.name)
        if found and process_gone(int(found[1])) and warc_host(path) == here:
            yield path


def open_files() -> set[str]:
    """Real paths of the files open in the processes of this host this user may look into."""
    opened: set[str] = set()
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        fds = f"/proc/{pid}/fd"
        try:
            names = os.listdir(fds)
        except OSError:
            continue
        for fd in names:
            try:
                opened.add(os.readlink(f"{fds}/{fd}"))
            except OSError:
                continue
    return opened


def stale_tmp_files(root: Path, directories: Iterable[str], min_age: float) -> list[Path]:
    """``*.tmp`` files under ``root/<directory>`` that no process here has open, untouched for
    ``min_age`` seconds and owned by this user (another user's processes are hidden from us)."""
    candidates = [p for d in directories for p in (root / d).rglob("*.tmp")]
    if not candidates:
        return []
    opened = open_files()
    now = time.time()
    stale = []
    for path in candidates:
        try:
            info = path.stat()
        except OSError:
            continue
        if info.st_uid != os.getuid() and os.getuid() != 0:
            continue
        if now - info.st_mtime >= min_age and os.path.realpath(path) not in opened:
            stale.append(path)
    return stale


def tmp_age(worker_hosts: Iterable[str]) -> float:
    """How old a temporary file must be to be a leftover, given the hosts of the live workers."""
    here = socket.gethostname()
    return LOCAL_TMP_AGE if all(host == here for host in worker_hosts) else REMOTE_TMP_AGE
