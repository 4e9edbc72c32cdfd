"""Crash-safe file writes: a reader (or a restarted crawl) sees the old file or the new one, never half."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO


def atomic_write(
    path: Path, data: bytes, *, fsync: bool = True, make_parents: bool = True, mode: int | None = None
) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same directory and a rename.
    ``mode``: the file's permissions (the temporary file is created 0600).

    The rename is atomic on POSIX, so a process killed at any moment leaves no partial file. ``fsync``
    also flushes data and directory entry to disk, which a power cut (not only a kill) needs.
    """
    with atomic_writer(path, fsync=fsync, make_parents=make_parents, mode=mode) as handle:
        handle.write(data)


@contextmanager
def atomic_writer(
    path: Path, *, fsync: bool = True, make_parents: bool = True, mode: int | None = None
) -> Iterator[BinaryIO]:
    """``atomic_write`` for data written piece by piece (a file too large to build in memory): the
    file appears at ``path`` whole when the block ends, and not at all if it raises."""
    if make_parents:
        path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        if mode is not None:
            os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            yield handle
            if fsync:
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    if fsync:
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


class AppendLog:
    """A JSON-lines file appended one whole line per write(2) (O_APPEND), so that concurrent
    writers never interleave inside a line and a kill leaves at most a last line cut short.
    The descriptor stays open for the run: opening the file per line cost more than the write."""

    def __init__(self, path: Path, *, fsync: bool = False) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.fsync = fsync
        self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        _end_torn_line(path, self._fd)

    def append(self, line: str) -> None:
        os.write(self._fd, (line.rstrip("\n") + "\n").encode("utf-8"))
        if self.fsync:
            os.fsync(self._fd)

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1


def _end_torn_line(path: Path, fd: int) -> None:
    """A log whose last line was cut by a kill gets its newline, so the next line is not glued to it
    (whole lines are single writes, so an unterminated last line is a dead writer's)."""
    try:
        with path.open("rb") as handle:
            handle.seek(-1, os.SEEK_END)
            last = handle.read(1)
    except OSError:  # empty file: nothing to end
        return
    if last and last != b"\n":
        os.write(fd, b"\n")


def read_log(path: Path) -> Iterator[dict[str, Any]]:
    """The records of a JSON-lines log written by ``AppendLog``; a line cut by a kill, or not an
    object, is skipped, and a missing log has none."""
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return
    for line in lines:
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict):
            yield record
