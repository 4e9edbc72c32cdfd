"""The archive store: atomic, versioned, content-addressed, never overwriting."""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

import pytest

from pipelines.archive.files import atomic_write
from pipelines.archive.record import normalize_for_digest, schema_errors, text_digest
from pipelines.archive.store import ArchiveStore, doc_id


def _doc(url: str, digest: str) -> dict[str, object]:
    return {"site": "siping", "id": doc_id(url), "url": url, "content_digest": digest}


def test_versions_added_only_on_change(tmp_path: Path) -> None:
    store = ArchiveStore(tmp_path, fsync=False)
    url = "http://txqxxgk.siping.gov.cn/zsts/fgw_1/ndbg/201801/t20180101_1.html"
    assert store.save_document(_doc(url, "a" * 64)) == ("new", 1)
    assert store.save_document(_doc(url, "a" * 64)) == ("unchanged", 1)
    assert store.save_document(_doc(url, "b" * 64)) == ("changed", 2)
    # A fresh store (a later crawl) reads the latest version back from disk.
    again = ArchiveStore(tmp_path, fsync=False)
    assert again.save_document(_doc(url, "b" * 64)) == ("unchanged", 2)
    v2 = again.load_version("siping", doc_id(url), 2)
    assert v2["previous_version"] == 1 and v2["version"] == 2
    assert again.load_version("siping", doc_id(url), 1)["content_digest"] == "a" * 64


def test_concurrent_writer_never_overwrites_a_version(tmp_path: Path) -> None:
    url = "https://www.fxxh.gov.cn/content/2018/1.html"
    one, two = ArchiveStore(tmp_path, fsync=False), ArchiveStore(tmp_path, fsync=False)
    assert one.save_document(_doc(url, "a" * 64)) == ("new", 1)
    # `two` has not seen version 1 in memory; it must not clobber it.
    assert two.save_document(_doc(url, "c" * 64)) == ("changed", 2)
    assert one.load_version("siping", doc_id(url), 1)["content_digest"] == "a" * 64


def test_raw_and_text_blobs(tmp_path: Path) -> None:
    store = ArchiveStore(tmp_path, fsync=True)
    body = "<html>站前街道</html>".encode("gb18030")
    ref = store.put_raw(body)
    assert ref.size == len(body) and store.read_raw(ref.sha256) == body
    segment = (tmp_path / ref.path).read_bytes()
    assert gzip.decompress(segment[ref.offset : ref.offset + ref.length]) == body
    assert store.put_raw(body) == ref  # content-addressed: stored once
    other = store.put_raw(b"<html>second</html>")
    assert other.path == ref.path and other.offset == ref.offset + ref.length  # appended
    text_ref = store.put_text("一、情况概述\n正文")
    assert store.read_text(text_ref.sha256) == "一、情况概述\n正文"
    assert "一、情况概述\n正文\n" in (tmp_path / text_ref.path).read_text("utf-8")  # greppable
    store.close()
    # A new store (a later run, another process) finds the blobs through the index.
    again = ArchiveStore(tmp_path, fsync=False)
    assert again.put_raw(body) == ref and again.read_raw(other.sha256) == b"<html>second</html>"


def test_blob_index_survives_a_cut_line_and_a_torn_segment_tail(tmp_path: Path) -> None:
    store = ArchiveStore(tmp_path, fsync=False)
    ref = store.put_raw(b"kept")
    store.close()
    # A kill mid-write: a torn gzip member at the segment's end and half an index line.
    with (tmp_path / ref.path).open("ab") as segment:
        segment.write(b"\x1f\x8b\x08\x00torn")
    with (tmp_path / "raw" / "index.jsonl").open("a") as index:
        index.write('{"path": "raw/x.gz", "offs')
    again = ArchiveStore(tmp_path, fsync=False)
    assert again.read_raw(ref.sha256) == b"kept"
    new = again.put_raw(b"after the crash")
    assert new.path != ref.path  # a new run appends to its own segment, never after a torn tail
    assert again.read_raw(new.sha256) == b"after the crash"
    # The cut index line did not swallow the next one: a third process finds the new blob too.
    assert ArchiveStore(tmp_path, fsync=False).read_raw(new.sha256) == b"after the crash"


def test_atomic_write_leaves_old_file_when_interrupted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "doc.json"
    atomic_write(target, b'{"v": 1}', fsync=False)

    def failing_replace(src: str, dst: str) -> None:
        raise KeyboardInterrupt  # as if the process were stopped between write and rename

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(KeyboardInterrupt):
        atomic_write(target, b'{"v": 2, "half": ', fsync=False)
    monkeypatch.undo()
    assert json.loads(target.read_bytes()) == {"v": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["doc.json"]


def test_digest_ignores_width_and_spacing_but_not_words() -> None:
    assert normalize_for_digest("发布日期：２０１８　年") == "发布日期:2018 年"
    assert text_digest("标题", "第一段\n第二段") == text_digest("标题", "第一段 \n 第二段")
    assert text_digest("标题", "共发布信息137条") != text_digest("标题", "共发布信息138条")


def test_schema_rejects_incomplete_documents() -> None:
    errors = schema_errors({"schema_version": 1, "kind": "page", "url": "ftp://x"})
    assert any("url" in e for e in errors)
    assert any("required" in e for e in errors)
