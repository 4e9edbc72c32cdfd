"""The on-disk spool of deferred attachments (pipelines/spool.py)."""

from __future__ import annotations

import os
import tracemalloc
from pathlib import Path

import pytest

from pipelines.capture import Capture
from pipelines.spool import Spool


def _capture(n: int) -> Capture:
    return Capture(
        url=f"http://txqxxgk.siping.gov.cn/files/{n}.pdf",
        site="siping",
        kind="attachment",
        fetched_at="2026-11-22T10:00:00Z",
        status=200,
        headers={"Content-Type": "application/pdf"},
        body=b"",
        http_charset=None,
        referer=f"http://txqxxgk.siping.gov.cn/detail/{n}.html",
        groups={"unit": "fgw_12305", "column": "ndbg"},
        profile=None,
        hints={},
        archive="/archive",
        fsync=False,
        run_id="20261122T100000Z-siping",
        warc_ref={"filename": "a.warc.gz", "offset": n, "length": 10},
    )


def test_records_come_back_in_order_once(tmp_path: Path) -> None:
    spool: Spool[tuple[Capture, str]] = Spool(tmp_path / "jobs")
    for n in range(500):
        spool.append((_capture(n), f"{n:064x}"))
    assert len(spool) == 500
    back = list(spool.drain())
    assert [sha for _c, sha in back] == [f"{n:064x}" for n in range(500)]
    assert back[7][0] == _capture(7)
    assert len(spool) == 0
    assert list(spool.drain()) == []  # drained: nothing twice


def test_the_file_leaves_no_name_behind(tmp_path: Path) -> None:
    spool: Spool[int] = Spool(tmp_path / "jobs")
    spool.append(1)
    # O_TMPFILE: no name at all; elsewhere a ".tmp" name the next run's repair removes.
    assert all(name.endswith(".tmp") for name in os.listdir(tmp_path / "jobs"))
    spool.close()
    assert os.listdir(tmp_path / "jobs") == []


def test_appends_while_draining_join_a_new_spool(tmp_path: Path) -> None:
    spool: Spool[int] = Spool(tmp_path)
    for n in range(3):
        spool.append(n)
    seen = []
    for n in spool.drain():
        seen.append(n)
        spool.append(n + 10)
    assert seen == [0, 1, 2]
    assert list(spool.drain()) == [10, 11, 12]


def test_a_spool_cut_short_is_an_error_not_a_wrong_record(tmp_path: Path) -> None:
    spool: Spool[bytes] = Spool(tmp_path)
    spool.append(b"x" * 100)
    spool.append(b"y" * 100)
    assert spool._file is not None
    spool._file.flush()
    spool._file.truncate(120)  # the second frame loses its end (a full disk)
    records = spool.drain()
    assert next(records) == b"x" * 100
    with pytest.raises(OSError, match="cut short"):
        next(records)


def test_the_records_are_not_held_in_memory(tmp_path: Path) -> None:
    spool: Spool[tuple[Capture, str]] = Spool(tmp_path)
    spool.append((_capture(0), "0" * 64))  # the file and pickle's first-use costs
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for n in range(2_000):
            spool.append((_capture(n), f"{n:064x}"))
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    # A list of these captures held about 1.1 KB each (2.2 MB here); the spool holds its buffer.
    assert held < 100_000, held


def test_a_full_disk_keeps_the_rest_in_memory(tmp_path: Path) -> None:
    spool: Spool[int] = Spool(tmp_path)
    spool.append(1)
    spool.append(2)
    assert spool._file is not None
    spool._file.flush()
    # /dev/full: every write fails with ENOSPC, as a full disk does.
    with open("/dev/full", "wb", buffering=0) as full:
        written = spool._file
        spool._file = full
        spool.append(3)
        spool._file = written
    spool.append(4)  # after a failure, memory: no frame after a possibly torn one
    assert len(spool) == 4
    assert list(spool.drain()) == [1, 2, 3, 4]
