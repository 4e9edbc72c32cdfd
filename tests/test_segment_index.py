"""The digest index of segment stores: lookups across processes' appends, prefix collisions, torn and
malformed lines, and the memory an entry costs (the reason the index is a table of line offsets)."""

from __future__ import annotations

import hashlib
import json
import random
import subprocess
import sys
import tracemalloc
from pathlib import Path

from pipelines.archive.segments import BlobRef, SegmentStore, _digest_key, _DigestTable


def _store(root: Path) -> SegmentStore:
    return SegmentStore(root, "raw", "gz", fsync=False)


def _blob(text: str) -> tuple[str, bytes]:
    data = text.encode("utf-8")
    return hashlib.sha256(data).hexdigest(), data


def _put(store: SegmentStore, text: str) -> BlobRef:
    sha256, data = _blob(text)
    return store.put(sha256, len(data), data)


def _index_lines(root: Path) -> list[bytes]:
    return (root / "raw" / "index.jsonl").read_bytes().splitlines(keepends=True)


def test_many_blobs_round_trip_across_table_growth(tmp_path: Path) -> None:
    store = _store(tmp_path)
    texts = [f"blob {i} " * (i % 7 + 1) for i in range(5000)]
    refs = [_put(store, text) for text in texts]
    assert store._index is not None
    assert len(store._index) == 5000
    assert store._index.capacity >= 8192  # grew from 1024 slots several times
    for text, ref in zip(texts, refs, strict=True):
        sha256, data = _blob(text)
        assert store.get(sha256) == ref
        assert store.read(ref) == data
        assert ref.sha256 == sha256 and ref.size == len(data)
    assert _put(store, texts[123]) == refs[123]  # stored once
    assert len(_index_lines(tmp_path)) == 5000
    store.close()

    fresh = _store(tmp_path)  # another process: reads the whole index file
    for text, ref in zip(texts, refs, strict=True):
        sha256, data = _blob(text)
        found = fresh.get(sha256)
        assert found == ref
        assert fresh.read(found) == data
    assert fresh.get(_blob("never stored")[0]) is None
    fresh.close()


def test_two_stores_on_one_directory_see_each_others_blobs(tmp_path: Path) -> None:
    a, b = _store(tmp_path), _store(tmp_path)
    first = _put(a, "put by a")
    assert b.get(first.sha256) == first  # a miss re-reads the index
    assert b.read(first) == b"put by a"

    # Interleaved: each put lands after lines the other store has not read yet.
    refs: dict[str, BlobRef] = {}
    for i in range(300):
        writer = a if i % 3 else b
        text = f"interleaved {i}"
        ref = _put(writer, text)
        refs[text] = ref
        assert writer.get(ref.sha256) == ref  # its own line was found among the other's
        assert writer.read(ref) == text.encode()
    for ref in refs.values():
        assert a.get(ref.sha256) == ref
        assert b.get(ref.sha256) == ref
    assert len(_index_lines(tmp_path)) == 301
    a.close()
    b.close()


def test_a_put_right_after_other_appends_finds_its_blob(tmp_path: Path) -> None:
    a, b = _store(tmp_path), _store(tmp_path)
    assert b.get(_blob("nothing")[0]) is None  # b has read the (empty) index
    a_refs = [_put(a, f"a {i}") for i in range(50)]
    own = _put(b, "b's own")  # b's line comes after 50 lines it has not read
    assert own.path.startswith("raw/") and b.read(own) == b"b's own"
    assert b.get(own.sha256) == own
    assert [b.get(ref.sha256) for ref in a_refs] == a_refs
    assert b.put(own.sha256, own.size, b"b's own") == own
    a.close()
    b.close()


def test_the_same_digest_put_by_two_stores_has_one_ref(tmp_path: Path) -> None:
    a, b = _store(tmp_path), _store(tmp_path)
    assert a.get(_blob("x")[0]) is None and b.get(_blob("x")[0]) is None
    ref_a = _put(a, "same content")
    ref_b = _put(b, "same content")
    assert ref_a == ref_b
    assert a.get(ref_a.sha256) == b.get(ref_a.sha256) == ref_a
    assert len(_index_lines(tmp_path)) == 1  # b found a's blob before writing its own

    # Two workers racing can both write it: a later line for a known digest is ignored by all.
    other = SegmentStore(tmp_path, "raw", "gz", fsync=False, segment_bytes=1)
    _put(other, "filler")  # opens its own segment
    racer = BlobRef(other._rel, other._offset, len(b"same content"), ref_a.sha256, len(b"same content"))
    with (tmp_path / racer.path).open("ab") as segment:
        segment.write(b"same content")
    with (tmp_path / "raw" / "index.jsonl").open("a") as index:
        index.write(json.dumps(racer.as_dict()) + "\n")
    _put(a, "something new")  # a reads the racer's line
    assert a.get(ref_a.sha256) == ref_a
    assert b.get(_blob("another miss")[0]) is None  # b reads it too
    assert b.get(ref_a.sha256) == ref_a
    fresh = _store(tmp_path)
    assert fresh.get(ref_a.sha256) == ref_a
    assert fresh._index is not None and len(fresh._index) == 3  # the racer's line is not indexed
    for store in (a, b, other, fresh):
        store.close()


#: A worker process: waits for the go file, puts shared and own blobs (other texts in between),
#: then prints the refs it has for the shared ones.
_WORKER = """
import hashlib, json, sys, time
from pathlib import Path
from pipelines.archive.segments import SegmentStore
root, name, count = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
while not (root / "go").exists():
    time.sleep(0.005)
store = SegmentStore(root, "raw", "gz", fsync=False)
def put(text):
    data = text.encode()
    ref = store.put(hashlib.sha256(data).hexdigest(), len(data), data)
    assert store.read(ref) == data, text
    return ref
for i in range(count):
    put(f"shared {i}")
    put(f"{name} {i}")
print(json.dumps([store.get(hashlib.sha256(f"shared {i}".encode()).hexdigest()).as_dict()
                  for i in range(count)]))
"""


def test_two_processes_appending_at_once_agree_on_every_blob(tmp_path: Path) -> None:
    count = 1500
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", _WORKER, str(tmp_path), name, str(count)],
            cwd=Path(__file__).resolve().parent.parent,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in ("first", "second")
    ]
    (tmp_path / "go").touch()
    outputs = [worker.communicate(timeout=120) for worker in workers]
    for worker, (_out, err) in zip(workers, outputs, strict=True):
        assert worker.returncode == 0, err
    seen = [[BlobRef.from_dict(ref) for ref in json.loads(out)] for out, _err in outputs]
    assert seen[0] == seen[1]  # both kept the first line of each shared digest
    fresh = _store(tmp_path)
    for i in range(count):
        for text in (f"shared {i}", f"first {i}", f"second {i}"):
            sha256, data = _blob(text)
            ref = fresh.get(sha256)
            assert ref is not None and fresh.read(ref) == data, text
        assert fresh.get(_blob(f"shared {i}")[0]) == seen[0][i]
    assert fresh._index is not None and len(fresh._index) == 3 * count
    fresh.close()


def test_digests_sharing_their_first_64_bits_each_get_their_own_blob(tmp_path: Path) -> None:
    prefix = "0123456789abcdef"
    one = prefix + "1" * 48
    two = prefix + "2" * 48
    three = prefix + "3" * 48
    assert _digest_key(one) == _digest_key(two) == _digest_key(three)
    store = _store(tmp_path)
    ref_one = store.put(one, 3, b"one")
    ref_two = store.put(two, 3, b"two")
    assert ref_one != ref_two
    assert store.get(one) == ref_one and store.read(store.get(one) or ref_two) == b"one"
    assert store.get(two) == ref_two and store.read(store.get(two) or ref_one) == b"two"
    assert store.get(three) is None
    assert store.put(two, 3, b"two") == ref_two  # not stored again
    assert len(_index_lines(tmp_path)) == 2
    store.close()

    fresh = _store(tmp_path)
    assert fresh.get(one) == ref_one
    assert fresh.get(two) == ref_two
    assert fresh.get(three) is None
    assert fresh._index is not None and len(fresh._index) == 2


def test_torn_and_malformed_index_lines(tmp_path: Path) -> None:
    writer = _store(tmp_path)
    refs = [_put(writer, f"blob {i}") for i in range(3)]
    writer.close()
    lines = _index_lines(tmp_path)
    index = tmp_path / "raw" / "index.jsonl"
    index.write_bytes(
        lines[0]
        + b"{not json\n"
        + b'["a list"]\n'
        + b'{"path": "raw/x", "offset": Infinity, "length": 1, "sha256": "ab", "size": 1}\n'
        + b"[" * 100_000
        + b"\n"
        + b"\n"
        + lines[1]
        + lines[2].rstrip(b"\n")  # being written
    )
    store = _store(tmp_path)
    assert store.get(refs[0].sha256) == refs[0]
    assert store.get(refs[1].sha256) == refs[1]
    assert store.get(refs[2].sha256) is None  # no newline yet: not indexed
    assert store._index is not None and len(store._index) == 2
    with index.open("ab") as handle:
        handle.write(b"\n")
    assert store.get(refs[2].sha256) == refs[2]  # the miss re-reads it, now whole
    assert store.read(refs[2]) == b"blob 2"

    # A line cut by a kill stays cut: the next writer ends it, and it is skipped, even when the
    # cut falls after its digest; the content can then be stored again.
    cut = json.dumps(BlobRef("raw/gone", 0, 3, _blob("cut")[0], 3).as_dict()).encode()
    assert cut.index(b'"sha256"') < len(cut) - 15
    with index.open("ab") as handle:
        handle.write(cut[:-6])
    later = _put(store, "after the cut")
    assert store.get(later.sha256) == later and store.read(later) == b"after the cut"
    assert store.get(_blob("cut")[0]) is None
    again = _put(store, "cut")
    assert again.path != "raw/gone" and store.read(again) == b"cut"
    assert store.get(again.sha256) == again
    fresh = _store(tmp_path)
    assert fresh.get(later.sha256) == later
    assert fresh.get(again.sha256) == again
    store.close()


def test_a_line_with_a_digest_but_malformed_fields_is_never_returned(tmp_path: Path) -> None:
    sha256, data = _blob("real")
    index = tmp_path / "raw" / "index.jsonl"
    index.parent.mkdir(parents=True)
    bad = {"path": "raw/bad.gz", "offset": "nowhere", "length": 4, "sha256": sha256, "size": 4}
    index.write_text(json.dumps(bad) + "\n")
    store = _store(tmp_path)
    assert store.get(sha256) is None
    ref = store.put(sha256, len(data), data)
    assert ref.path != "raw/bad.gz" and store.read(ref) == data
    assert store.get(sha256) == ref
    assert _store(tmp_path).get(sha256) == ref
    store.close()


def test_names_that_are_not_hex_digests(tmp_path: Path) -> None:
    store = _store(tmp_path)
    names = ["not a digest", "é" * 64, "g" * 64, "", "ABCDEF"]
    refs = {name: store.put(name, len(name), name.encode("utf-8") + b"!") for name in names}
    for name, ref in refs.items():
        assert store.get(name) == ref
        assert store.read(ref) == name.encode("utf-8") + b"!"
    store.close()
    fresh = _store(tmp_path)
    assert {name: fresh.get(name) for name in names} == refs
    assert fresh.get("abcdef") is None  # names are compared exactly


def test_the_index_survives_close_and_reopen(tmp_path: Path) -> None:
    store = _store(tmp_path)
    refs = [_put(store, f"kept {i}") for i in range(100)]
    store.close()
    assert store._index_fd == -1 and store._fd == -1
    assert [store.get(ref.sha256) for ref in refs] == refs  # the reader reopens lazily
    after = _put(store, "after close")
    assert store.read(after) == b"after close"
    store.close()
    fresh = _store(tmp_path)
    assert [fresh.get(ref.sha256) for ref in refs] == refs
    assert fresh.get(after.sha256) == after
    fresh.close()


def test_an_index_entry_costs_under_40_bytes() -> None:
    count = 50_000
    rng = random.Random(6)
    keys = [_digest_key(rng.randbytes(32).hex()) for _ in range(count)]
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        table = _DigestTable()
        for number, key in enumerate(keys):
            table.add(key, number * 150)
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    per_entry = held / count
    print(f"digest index: {per_entry:.1f} bytes per entry ({count} entries, {held} bytes)")
    assert len(table) == count
    assert per_entry < 40
    # Every entry is still where a lookup finds it (with the offset it was added with).
    for number in rng.sample(range(count), 500):
        assert number * 150 in list(table.offsets(keys[number]))
