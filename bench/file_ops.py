"""Cost of creating a file against appending to one, idle and with the cores busy.

Usage: python bench/file_ops.py [--files 3000] [--busy N] [--dir PATH]

Why it exists: the archive once wrote a file per blob; inside a crawl ``open(2)`` cost ten times what
it cost idle. This shows it on any machine: ``--busy 2`` runs two spinning processes beside the
measurement (as a crawler and its worker do), then each write pattern is timed per file.
"""

from __future__ import annotations

import argparse
import hashlib
import multiprocessing
import os
import shutil
import tempfile
import time
from pathlib import Path


def _spin(stop: float) -> None:
    while time.monotonic() < stop:
        pass


def create_and_rename(base: Path, count: int, data: bytes) -> float:
    """Seconds per blob written as its own file: temporary name, then rename (the old layout)."""
    for shard in range(256):
        (base / f"{shard:02x}").mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    for i in range(count):
        digest = hashlib.sha256(str(i).encode()).hexdigest()
        directory = base / digest[:2]
        fd, tmp = tempfile.mkstemp(dir=directory)
        os.write(fd, data)
        os.close(fd)
        os.replace(tmp, directory / digest)
    return (time.perf_counter() - start) / count


def append(base: Path, count: int, data: bytes) -> float:
    """Seconds per blob appended to one segment (the current layout)."""
    base.mkdir(parents=True, exist_ok=True)
    fd = os.open(base / "segment", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    start = time.perf_counter()
    for _ in range(count):
        os.write(fd, data)
    os.close(fd)
    return (time.perf_counter() - start) / count


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=3000)
    parser.add_argument("--busy", type=int, default=0, help="spinning processes beside the measurement")
    parser.add_argument("--dir", type=Path, default=Path("bench/results"))
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="file-ops-", dir=args.dir))
    spinners = [
        multiprocessing.Process(target=_spin, args=(time.monotonic() + 120,), daemon=True)
        for _ in range(args.busy)
    ]
    for spinner in spinners:
        spinner.start()
    try:
        data = os.urandom(3000)  # about a compressed detail page
        created = create_and_rename(work / "files", args.files, data)
        appended = append(work / "segments", args.files, data)
    finally:
        for spinner in spinners:
            spinner.terminate()
        shutil.rmtree(work, ignore_errors=True)
    print(f"busy processes: {args.busy}")
    print(f"file per blob (mkstemp + write + rename): {created * 1000:.3f} ms per blob")
    print(f"append to a segment:                      {appended * 1000:.3f} ms per blob")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
