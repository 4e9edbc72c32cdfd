"""warc/index.cdxj indexed by offset: files still being appended to (by another worker of a shared
crawl) are indexed up to their last whole record, and the rest on a later update, never twice."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

import pytest

from conftest import REPO
from pipelines.archive import cdxj
from pipelines.archive.cdxj import (
    INDEX_NAME,
    cdxj_lines,
    compact_index,
    indexed_extent,
    update_index,
    whole_end,
)
from pipelines.archive.lock import index_lock
from pipelines.archive.warc import WarcWriter

WHEN = datetime(2026, 11, 22, 1, 2, 3, tzinfo=UTC)


def exchange(writer: WarcWriter, n: int) -> None:
    writer.write_exchange(
        f"http://d.gov.cn/{n}.html",
        request=("GET", [], b""),
        response=(200, "OK", "", [("Content-Type", "text/html")], f"<p>{n}</p>".encode()),
        fetched_at=WHEN,
    )


def index_lines(root: Path) -> list[str]:
    return (root / "warc" / "index.cdxj").read_text().splitlines()


def test_a_file_being_appended_to_is_indexed_as_it_grows(tmp_path: Path) -> None:
    writer = WarcWriter(tmp_path, settings={}, robots_obey=True)
    for n in range(3):
        exchange(writer, n)
    name = Path(writer.files[0]).name
    # Another worker updates the index while this one still writes the file.
    assert update_index(tmp_path) == ([name], [])
    assert len(index_lines(tmp_path)) == 3
    for n in range(3, 5):
        exchange(writer, n)
    assert update_index(tmp_path) == ([name], [])  # only what was added since
    assert update_index(tmp_path) == ([], [])
    writer.close()
    path = tmp_path / writer.files[0]
    assert sorted(index_lines(tmp_path)) == sorted(cdxj_lines(path)[0])  # every record once
    assert compact_index(tmp_path) == 5


def test_a_record_being_written_waits_for_the_next_update(tmp_path: Path) -> None:
    with WarcWriter(tmp_path / "whole", settings={}, robots_obey=True) as whole:
        for n in range(4):
            exchange(whole, n)
    data = (tmp_path / "whole" / whole.files[0]).read_bytes()
    # The same file as a reader sees it while the writer is in the middle of the last record: the
    # last response record (and its request record after it) cut in the middle.
    last_response = max(
        int(line.split('"offset": "')[1].split('"')[0])
        for line in cdxj_lines(tmp_path / "whole" / whole.files[0])[0]
    )
    growing = tmp_path / "warc" / Path(whole.files[0]).name
    growing.parent.mkdir(parents=True)
    growing.write_bytes(data[: last_response + 40])
    indexed, problems = update_index(tmp_path)
    assert indexed == [growing.name] and len(problems) == 1 and "torn tail" in problems[0]
    assert len(index_lines(tmp_path)) == 3
    assert indexed_extent(tmp_path)[growing.name] <= last_response
    # The writer finishes its record: the next update indexes it, and nothing twice.
    growing.write_bytes(data)
    assert update_index(tmp_path) == ([growing.name], [])
    assert sorted(index_lines(tmp_path)) == sorted(cdxj_lines(growing)[0])


def test_a_line_cut_by_a_kill_is_indexed_again(tmp_path: Path) -> None:
    with WarcWriter(tmp_path, settings={}, robots_obey=True) as writer:
        for n in range(2):
            exchange(writer, n)
    update_index(tmp_path)
    index = tmp_path / "warc" / "index.cdxj"
    lines = index.read_bytes().splitlines(keepends=True)
    index.write_bytes(lines[0] + lines[1][:30])  # the second line cut short
    update_index(tmp_path)
    assert compact_index(tmp_path) == 2
    assert sorted(index_lines(tmp_path)) == sorted(cdxj_lines(tmp_path / writer.files[0])[0])


def test_index_updates_take_turns(tmp_path: Path) -> None:
    """A second process waits on ``.index.lock`` until the first has finished its update."""
    log = tmp_path / "order.txt"
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path; from pipelines.archive.lock import index_lock\n"
            "with index_lock(sys.argv[1]):\n"
            "    print('locked', flush=True); sys.stdin.readline()\n"
            "    open(sys.argv[2], 'a').write('first done\\n')\n",
            str(tmp_path),
            str(log),
        ],
        cwd=REPO,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None and child.stdin is not None
    assert child.stdout.readline().strip() == "locked"
    child.stdin.write("go\n")
    child.stdin.flush()
    with index_lock(tmp_path):  # blocks until the child has written and let go
        log.open("a").write("second\n")
    child.wait(10)
    assert log.read_text().splitlines() == ["first done", "second"]


def test_compaction_merges_the_appended_runs_without_reading_them_whole(tmp_path: Path) -> None:
    import json
    import random

    def line(key: str, n: int) -> bytes:
        fields = {"url": f"http://a.gov.cn/{key}", "offset": str(n), "length": "1", "filename": "x.warc.gz"}
        return f"cn,gov,a)/{key} 20261122000000 {json.dumps(fields)}\n".encode()

    rng = random.Random(6)
    everything = [line(f"p{i:05d}", i) for i in range(3000)]
    # A compacted part, then runs appended by three updates (each sorted), one repeating lines of
    # the compacted part (a record indexed again after a kill), and a line cut by a kill.
    parts = [sorted(rng.sample(everything, 1200)) for _ in range(4)]
    index = tmp_path / "warc" / "index.cdxj"
    index.parent.mkdir(parents=True)
    cut = b'cn,gov,a)/cut 2026 {"url"\n'
    index.write_bytes(b"".join(parts[0]) + b"".join(parts[1]) + cut + b"".join(parts[2]))
    with index.open("ab") as handle:
        handle.write(b"".join(parts[3]) + b"".join(parts[0][:10]))
    expected = sorted({raw for part in parts for raw in part})
    assert compact_index(tmp_path) == len(expected)
    assert index.read_bytes() == b"".join(expected)
    # Already compact: left as it is.
    stamp = index.stat().st_mtime_ns
    assert compact_index(tmp_path) == len(expected)
    assert index.stat().st_mtime_ns == stamp


# --- batches: the memory of an update is bounded by BATCH_LINES, whatever the WARC file's size ---------


def shuffled_warc(root: Path, count: int, seed: int = 3) -> Path:
    """A closed WARC file of ``count`` exchanges (a response and a request record each; every
    fourth with a text record too) in shuffled URL order, so that batches of it are not sorted."""
    import random

    order = list(range(count))
    random.Random(seed).shuffle(order)
    with WarcWriter(root, settings={}, robots_obey=True) as writer:
        for n in order:
            writer.write_exchange(
                f"http://d.gov.cn/{n}.html",
                request=("GET", [], b""),
                response=(200, "OK", "", [("Content-Type", "text/html")], f"<p>{n}</p>".encode()),
                fetched_at=WHEN,
                text=f"page {n}" if n % 4 == 0 else None,
            )
    return root / writer.files[0]


def placed(warc: Path, root: Path) -> Path:
    """A copy of a WARC file in another archive, under the same name (the index names it)."""
    copy = root / "warc" / warc.name
    copy.parent.mkdir(parents=True)
    copy.write_bytes(warc.read_bytes())
    return copy


def offset_of(line: str) -> int:
    return int(json.loads(line.split(" ", 2)[2])["offset"])


def test_small_batches_give_the_same_index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    warc = shuffled_warc(tmp_path / "source", 20)
    captures = cdxj_lines(warc)[0]
    assert len(captures) == 25  # 20 responses, 5 text records
    placed(warc, tmp_path / "one")
    monkeypatch.setattr(cdxj, "BATCH_LINES", 10**9)
    assert update_index(tmp_path / "one") == ([warc.name], [])
    placed(warc, tmp_path / "batched")
    monkeypatch.setattr(cdxj, "BATCH_LINES", 3)
    assert update_index(tmp_path / "batched") == ([warc.name], [])
    lines = index_lines(tmp_path / "batched")
    # Appended in sorted batches of 3, in file order: several runs, the whole not sorted.
    batches = [lines[i : i + 3] for i in range(0, len(lines), 3)]
    assert [len(batch) for batch in batches] == [3] * 8 + [1]
    assert all(batch == sorted(batch) for batch in batches)
    assert all(
        max(map(offset_of, earlier)) < min(map(offset_of, later))
        for earlier, later in itertools.pairwise(batches)
    )
    assert lines != sorted(lines) and sorted(lines) == sorted(captures)
    assert compact_index(tmp_path / "batched") == compact_index(tmp_path / "one") == 25
    batched = (tmp_path / "batched" / "warc" / INDEX_NAME).read_bytes()
    assert batched == (tmp_path / "one" / "warc" / INDEX_NAME).read_bytes()
    assert batched.decode().splitlines() == sorted(captures)


def test_an_update_killed_between_two_batches_resumes_after_the_last(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    warc = shuffled_warc(tmp_path / "source", 20)
    placed(warc, tmp_path)
    captures = cdxj_lines(warc)[0]  # in file order
    monkeypatch.setattr(cdxj, "BATCH_LINES", 3)
    append_run = cdxj._append_run

    def killed_after_one(path: Path, batch: list[bytes]) -> int:
        append_run(path, batch)
        raise KeyboardInterrupt("killed after the first batch")  # not an Exception: nothing catches it

    monkeypatch.setattr(cdxj, "_append_run", killed_after_one)
    with pytest.raises(KeyboardInterrupt):
        update_index(tmp_path)
    assert index_lines(tmp_path) == sorted(captures[:3])
    third = json.loads(captures[2].split(" ", 2)[2])
    assert indexed_extent(tmp_path) == {warc.name: int(third["offset"]) + int(third["length"])}
    # The next update starts after the first batch: every record once, before compaction too.
    monkeypatch.setattr(cdxj, "_append_run", append_run)
    assert update_index(tmp_path) == ([warc.name], [])
    assert sorted(index_lines(tmp_path)) == sorted(captures)
    assert compact_index(tmp_path) == len(captures) == 25
    assert index_lines(tmp_path) == sorted(captures)


def test_a_torn_tail_waits_for_the_next_update_in_batches(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    warc = shuffled_warc(tmp_path / "source", 20)
    captures = cdxj_lines(warc)[0]
    data = warc.read_bytes()
    last = offset_of(captures[-1])
    growing = tmp_path / "warc" / warc.name
    growing.parent.mkdir(parents=True)
    growing.write_bytes(data[: last + 40])  # the last capture's record cut in the middle
    monkeypatch.setattr(cdxj, "BATCH_LINES", 3)
    indexed, problems = update_index(tmp_path)
    assert indexed == [warc.name] and len(problems) == 1 and "torn tail" in problems[0]
    assert sorted(index_lines(tmp_path)) == sorted(captures[:-1])
    assert indexed_extent(tmp_path)[warc.name] <= last <= whole_end(growing) < growing.stat().st_size
    growing.write_bytes(data)
    assert whole_end(growing) == len(data)
    assert update_index(tmp_path) == ([warc.name], [])
    assert sorted(index_lines(tmp_path)) == sorted(captures)


@pytest.fixture(scope="module")
def thousands(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A WARC file of 2,000 exchanges (4,500 records, 2,500 captures)."""
    return shuffled_warc(tmp_path_factory.mktemp("thousands"), 2000)


def traced_peak(root: Path) -> int:
    """Peak bytes allocated by Python while ``update_index`` indexes ``root`` from scratch."""
    tracemalloc.start()
    try:
        indexed, problems = update_index(root)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(indexed) == 1 and problems == []
    return peak


def test_the_memory_of_an_update_is_bounded_by_the_batch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, thousands: Path
) -> None:
    # Measured on this file: 2.3 MB with the old index_file (every line of the file held three
    # times over), 1.6 MB in one batch, 0.35 MB in batches of 500 (the same for 6,000 exchanges:
    # the peak follows the batch, not the file).
    bound = 1_000_000
    placed(thousands, tmp_path / "one")
    monkeypatch.setattr(cdxj, "BATCH_LINES", 10**9)
    whole = traced_peak(tmp_path / "one")  # first: it also pays for the libraries' first use
    placed(thousands, tmp_path / "batched")
    monkeypatch.setattr(cdxj, "BATCH_LINES", 500)
    batched = traced_peak(tmp_path / "batched")
    assert batched < bound < whole
    assert compact_index(tmp_path / "batched") == compact_index(tmp_path / "one") == 2500
    index = (tmp_path / "batched" / "warc" / INDEX_NAME).read_bytes()
    assert index == (tmp_path / "one" / "warc" / INDEX_NAME).read_bytes()
