"""Check an archive against its layout (docs/design.md, "Archive layout"): what ``xxgk verify`` runs.

Errors are states the store never leaves behind, whatever the moment it was killed at: a document
that does not parse or breaks the schema, a gap in a document's versions, a blob pointer outside its
segment or to bytes whose digest differs, a digest that does not match the text, a temporary file
(the store renames or removes its own). Warnings are what a kill may leave by design: a segment tail
no index line points to, a log line cut short. Nothing here raises on a damaged archive; every
unreadable thing is a problem in the report.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
import zlib
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Literal

from warcio.archiveiterator import ArchiveIterator  # type: ignore[import-untyped]

from pipelines.archive.record import schema_errors, text_digest
from pipelines.archive.store import doc_id
from pipelines.archive.warc import complete_records

__all__ = ["Problem", "VerifyReport", "verify_archive"]

Severity = Literal["error", "warning"]
_VERSION_FILE = re.compile(r"^([0-9a-f]{16})\.v(\d{4,})\.json$")
_BLOB_KINDS = {"raw": "gz", "text": "txt"}
#: Schema errors listed per document; a document broken everywhere would otherwise flood the report.
_MAX_SCHEMA_ERRORS = 5


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the archive: where (relative to its root), what kind, and details."""

    severity: Severity
    code: str
    path: str
    message: str

    def line(self) -> str:
        return f"{self.severity}: {self.path}: {self.code}: {self.message}"


@dataclass
class VerifyReport:
    """What ``verify_archive`` found and how much it checked."""

    root: Path
    problems: list[Problem] = field(default_factory=list)
    documents: int = 0  # distinct documents (site, id)
    versions: int = 0  # version files read
    blobs: dict[str, int] = field(default_factory=lambda: {"raw": 0, "text": 0})  # distinct blobs checked
    segments: int = 0
    log_lines: int = 0
    warc_records: int = 0  # WARC records whose digests were checked

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors

    def codes(self) -> set[str]:
        return {p.code for p in self.problems}

    def summary(self) -> str:
        verdict = "OK" if self.ok else "FAILED"
        return (
            f"{verdict}: {self.root}: {self.documents} documents in {self.versions} versions, "
            f"{self.blobs['raw']} raw and {self.blobs['text']} text blobs in {self.segments} segments, "
            f"{self.warc_records} WARC records, {self.log_lines} log lines; "
            f"{len(self.errors)} errors, {len(self.warnings)} warnings"
        )


class _Checker:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.report = VerifyReport(root)
        # Blob checks by pointer: the index and many documents name the same blob; read it once.
        self._blob_results: dict[tuple[str, str, int, int, str, int], str | None] = {}
        self._segment_sizes: dict[str, int | None] = {}

    def add(self, severity: Severity, code: str, path: Path | str, message: str) -> None:
        rel = path if isinstance(path, str) else self._rel(path)
        self.report.problems.append(Problem(severity, code, rel, message))

    def _rel(self, path: Path) -> str:
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return str(path)

    # Files ------------------------------------------------------------------------------------

    def stray_files(self) -> None:
        for path in _walk(self.root):
            if path.parent == self.root and path.name.startswith("index.sqlite"):
                continue  # the search index is derived from the JSON; `xxgk index` rebuilds it
            if path.name.endswith(".tmp"):
                self.add(
                    "error",
                    "stray_tmp",
                    path,
                    "temporary file left behind (the store renames or removes its own)",
                )

    # Segments and their indexes ---------------------------------------------------------------

    def segment_size(self, rel: str) -> int | None:
        if rel not in self._segment_sizes:
            try:
                self._segment_sizes[rel] = (self.root / rel).stat().st_size
            except OSError:
                self._segment_sizes[rel] = None
        return self._segment_sizes[rel]

    def segments(self) -> None:
        for kind, ext in _BLOB_KINDS.items():
            directory = self.root / kind
            if not directory.is_dir():
                continue
            covered: dict[str, list[tuple[int, int]]] = defaultdict(list)
            index = directory / "index.jsonl"
            for number, record in self.log_lines(index):
                ref = _blob_fields(record)
                where = f"{self._rel(index)}:{number}"
                if ref is None:
                    self.add(
                        "error",
                        "bad_index_line",
                        where,
                        "not a blob pointer {path, offset, length, sha256, size}",
                    )
                    continue
                error = self.check_blob(kind, ref)
                if error is not None:
                    self.add("error", error.split(":", 1)[0], where, error.split(":", 1)[1].strip())
                else:
                    covered[ref["path"]].append((ref["offset"], ref["offset"] + ref["length"]))
            for segment in sorted(directory.glob(f"*.{ext}")):
                self.report.segments += 1
                self.segment_coverage(segment, covered.get(f"{kind}/{segment.name}", []))

    def segment_coverage(self, segment: Path, spans: list[tuple[int, int]]) -> None:
        """Bytes of a segment that no index line covers: a torn tail is a kill's (warning); blobs that
        overlap cannot come from the store (error)."""
        size = self.segment_size(self._rel(segment)) or 0
        end = 0
        for start, stop in sorted(set(spans)):
            if start < end:
                self.add(
                    "error", "overlapping_blobs", segment, f"blob at {start} overlaps the one ending at {end}"
                )
            elif start > end:
                self.add("warning", "unindexed_bytes", segment, f"bytes {end}-{start} are in no index line")
            end = max(end, stop)
        if size > end:
            self.add(
                "warning",
                "torn_segment_tail",
                segment,
                f"{size - end} bytes after the last indexed blob (a write cut by a kill; never referenced)",
            )

    def check_blob(self, kind: str, ref: dict[str, Any]) -> str | None:
        """None when the pointer resolves and the bytes' digest and size match; else "code: detail"."""
        key = (kind, ref["path"], ref["offset"], ref["length"], ref["sha256"], ref["size"])
        if key in self._blob_results:
            return self._blob_results[key]
        result = self._check_blob(kind, ref)
        self._blob_results[key] = result
        if result is None:
            self.report.blobs[kind] += 1
        return result

    def _check_blob(self, kind: str, ref: dict[str, Any]) -> str | None:
        rel: str = ref["path"]
        pure = PurePosixPath(rel)
        if pure.is_absolute() or ".." in pure.parts or len(pure.parts) != 2 or pure.parts[0] != kind:
            return f"bad_blob_path: {rel!r} is not a segment of {kind}/"
        size = self.segment_size(rel)
        if size is None:
            return f"missing_segment: {rel} does not exist"
        offset, length = ref["offset"], ref["length"]
        if offset < 0 or length < 0 or offset + length > size:
            return f"blob_outside_segment: {rel} bytes {offset}+{length} past its end ({size} bytes)"
        try:
            with (self.root / rel).open("rb") as handle:
                handle.seek(offset)
                stored = handle.read(length)
        except OSError as exc:
            return f"unreadable_segment: {rel}: {exc}"
        if kind == "raw":
            try:
                data = gzip.decompress(stored)
            except (OSError, EOFError, zlib.error) as exc:
                return f"blob_corrupt: {rel}@{offset}: not a whole gzip member ({exc})"
        else:
            if not stored.endswith(b"\n"):
                return f"blob_corrupt: {rel}@{offset}: text blob does not end with its newline"
            data = stored[:-1]
        if len(data) != ref["size"]:
            return f"blob_size_mismatch: {rel}@{offset}: {len(data)} bytes, pointer says {ref['size']}"
        digest = hashlib.sha256(data).hexdigest()
        if digest != ref["sha256"]:
            stated = ref["sha256"][:16]
            return f"blob_digest_mismatch: {rel}@{offset}: sha256 {digest[:16]}…, pointer says {stated}…"
        if kind == "text":
            try:
                data.decode("utf-8")
            except UnicodeDecodeError as exc:
                return f"blob_corrupt: {rel}@{offset}: text blob is not UTF-8 ({exc.reason})"
        return None

    # Logs -------------------------------------------------------------------------------------

    def log_lines(self, path: Path) -> Iterator[tuple[int, Any]]:
        """The JSON records of an append-only log, with their line numbers. A line that does not
        parse is a write cut by a kill (the next writer ends it with a newline): a warning."""
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return
        except OSError as exc:
            self.add("error", "unreadable_log", path, str(exc))
            return
        lines = data.split(b"\n")
        last_cut = lines[-1] != b""
        if not last_cut:
            lines.pop()
        for number, line in enumerate(lines, 1):
            cut = last_cut and number == len(lines)
            try:
                record = json.loads(line)
            except ValueError:
                if cut:
                    self.add(
                        "warning",
                        "cut_log_line",
                        f"{self._rel(path)}:{number}",
                        "last line cut short by a kill",
                    )
                else:
                    self.add(
                        "warning",
                        "torn_log_line",
                        f"{self._rel(path)}:{number}",
                        "line cut by a kill, ended later",
                    )
                continue
            if cut:
                # Whole but unterminated: its writer died before the newline went out.
                self.add("warning", "cut_log_line", f"{self._rel(path)}:{number}", "last line has no newline")
            self.report.log_lines += 1
            yield number, record

    def logs(self) -> None:
        for pattern in ("failures/*.jsonl", "runs/*.jsonl"):
            for path in sorted(self.root.glob(pattern)):
                for _ in self.log_lines(path):
                    pass
        for path in sorted(self.root.glob("runs/*.json")):
            try:
                json.loads(path.read_bytes())
            except (OSError, ValueError) as exc:
                self.add("error", "bad_json", path, f"run record does not parse ({exc})")

    # Documents --------------------------------------------------------------------------------

    def documents(self) -> None:
        base = self.root / "documents"
        if not base.is_dir():
            return
        versions: dict[tuple[str, str], dict[int, Path]] = defaultdict(dict)
        for path in _walk(base):
            if path.name.endswith(".tmp"):
                continue  # reported by stray_files
            match = _VERSION_FILE.match(path.name)
            rel_parts = path.relative_to(base).parts
            if match is None or len(rel_parts) != 3 or rel_parts[1] != match.group(1)[:2]:
                self.add("warning", "unexpected_file", path, "not a document version of the layout")
                continue
            ident, number = match.group(1), int(match.group(2))
            versions[(rel_parts[0], ident)][number] = path
        self.report.documents = len(versions)
        for (site, ident), found in sorted(versions.items()):
            expected = range(1, max(found) + 1)
            missing = [n for n in expected if n not in found]
            if missing:
                first = found[min(found)]
                self.add(
                    "error",
                    "missing_version",
                    first.parent / f"{ident}.v*.json",
                    f"versions {_numbers(missing)} missing (present: {_numbers(sorted(found))})",
                )
            for number in sorted(found):
                self.document(found[number], site, ident, number)

    def document(self, path: Path, site: str, ident: str, number: int) -> None:
        self.report.versions += 1
        try:
            doc = json.loads(path.read_bytes())
        except (OSError, ValueError) as exc:
            self.add("error", "bad_json", path, f"does not parse ({exc})")
            return
        if not isinstance(doc, dict):
            self.add("error", "bad_json", path, "not a JSON object")
            return
        errors = schema_errors(doc)
        for message in errors[:_MAX_SCHEMA_ERRORS]:
            self.add("error", "schema", path, message)
        if len(errors) > _MAX_SCHEMA_ERRORS:
            self.add("error", "schema", path, f"and {len(errors) - _MAX_SCHEMA_ERRORS} more schema errors")
        self.identity(path, doc, site, ident, number)
        for key, kind in (("raw", "raw"), ("text_file", "text")):
            ref = _blob_fields(doc.get(key))
            if doc.get(key) is None:
                continue
            if ref is None:
                continue  # the schema check named it
            error = self.check_blob(kind, ref)
            if error is not None:
                code, _, detail = error.partition(":")
                self.add("error", code, path, f"{key}: {detail.strip()}")
        self.digest(path, doc)
        self.warc_pointer(path, doc)

    def identity(self, path: Path, doc: dict[str, Any], site: str, ident: str, number: int) -> None:
        """The file's place says who the document is and which version: the JSON must agree."""
        if doc.get("id") != ident:
            self.add("error", "wrong_id", path, f"id {doc.get('id')!r} in a file named for {ident}")
        url = doc.get("url")
        if isinstance(url, str) and doc_id(url) != ident:
            self.add("error", "wrong_id", path, f"sha256(url)[:16] is {doc_id(url)}, not {ident}")
        if doc.get("site") != site:
            self.add("error", "wrong_site", path, f"site {doc.get('site')!r} under documents/{site}/")
        if doc.get("version") != number:
            self.add("error", "wrong_version", path, f"version {doc.get('version')!r} in file v{number:04d}")
        expected = number - 1 if number > 1 else None
        if doc.get("previous_version") != expected:
            self.add(
                "error",
                "wrong_predecessor",
                path,
                f"previous_version {doc.get('previous_version')!r}, expected {expected!r}",
            )

    def warc_files(self) -> None:
        """Every WARC file read whole, as ``warcio check`` reads it: each record's block and payload
        digests recomputed; a file that cannot be read to its end is an error, bytes after its last
        whole record (a crawl killed mid-record) a warning: the next crawl cuts them."""
        for path in sorted((self.root / "warc").glob("*.warc.gz")):
            end = 0
            try:
                with path.open("rb") as handle:
                    records = ArchiveIterator(handle, check_digests=True)
                    for record in records:
                        stream = record.content_stream()
                        while stream.read(1 << 20):
                            pass
                        self.report.warc_records += 1
                        if record.digest_checker.passed is False:
                            problems = "; ".join(record.digest_checker.problems)
                            offset = records.get_record_offset()
                            self.add("error", "bad_warc_digest", path, f"record at {offset}: {problems}")
                        end = records.get_record_offset() + records.get_record_length()
            except Exception as exc:  # warcio raises many kinds on a damaged file; the finding is the same
                self.add("error", "bad_warc_file", path, f"unreadable after byte {end}: {type(exc).__name__}")
                continue
            size = path.stat().st_size
            if end < size:
                whole = complete_records(path)
                cut = size - (whole[-1][0] + whole[-1][1] if whole else 0)
                self.add("warning", "torn_warc_tail", path, f"{cut} bytes after the last whole record")

    def warc_pointer(self, path: Path, doc: dict[str, Any]) -> None:
        """A document's WARC pointer names a whole record of its URL inside an existing file."""
        pointer = doc.get("warc")
        if not isinstance(pointer, dict):
            return
        rel = str(pointer.get("path", ""))
        target = (self.root / rel).resolve()
        if (
            not rel.startswith("warc/")
            or not target.is_relative_to(self.root.resolve())
            or not target.is_file()
        ):
            self.add("error", "bad_warc_pointer", path, f"WARC file {rel!r} is missing")
            return
        offset, length = int(pointer.get("offset", -1)), int(pointer.get("length", -1))
        if offset < 0 or length <= 0 or offset + length > target.stat().st_size:
            self.add("error", "bad_warc_pointer", path, f"record at {offset}+{length} is outside {rel}")
            return
        try:
            with target.open("rb") as handle:
                handle.seek(offset)
                record = next(iter(ArchiveIterator(handle)))
                uri = record.rec_headers.get_header("WARC-Target-URI")
        except Exception as exc:  # any damage to the record is the finding
            self.add("error", "bad_warc_record", path, f"{rel} at {offset}: {type(exc).__name__}: {exc}")
            return
        if uri != doc.get("url"):
            self.add("error", "bad_warc_record", path, f"{rel} at {offset} is a record of {uri}")

    def digest(self, path: Path, doc: dict[str, Any]) -> None:
        """``content_digest`` recomputed by the rule the document names."""
        rule, stated = doc.get("digest_rule"), doc.get("content_digest")
        text = doc.get("text")
        if doc.get("kind") not in ("page", "attachment"):
            return  # which rule applies depends on the kind; the schema check names a bad one
        if rule == "normalized-text" and isinstance(text, str):
            title = doc.get("title") if doc.get("kind") == "page" else None
            expected = text_digest(title if isinstance(title, str) else None, text)
        elif rule == "bytes" and isinstance(doc.get("raw"), dict):
            expected = doc["raw"].get("sha256")
        else:
            return  # the schema check names a missing rule or text
        if stated != expected:
            self.add(
                "error",
                "wrong_content_digest",
                path,
                f"content_digest {str(stated)[:16]}… is not {expected!s:.16}… ({rule} rule)",
            )
        text_ref = _blob_fields(doc.get("text_file"))
        if (
            isinstance(text, str)
            and text_ref is not None
            and hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest() != text_ref["sha256"]
        ):
            self.add("error", "text_mismatch", path, "text differs from the text blob text_file points to")


def _numbers(numbers: list[int]) -> str:
    return ", ".join(map(str, numbers))


def _blob_fields(value: Any) -> dict[str, Any] | None:
    """A blob pointer with fields of the right types, or None."""
    if not isinstance(value, dict):
        return None
    types = {"path": str, "offset": int, "length": int, "sha256": str, "size": int}
    for name, kind in types.items():
        item = value.get(name)
        if not isinstance(item, kind) or isinstance(item, bool):
            return None
    return value


def _walk(root: Path) -> Iterator[Path]:
    """Every file under ``root``, sorted, symlinks not followed; unreadable directories skipped."""
    try:
        entries = sorted(root.iterdir())
    except OSError:
        return
    for entry in entries:
        if entry.is_symlink():
            continue
        if entry.is_dir():
            yield from _walk(entry)
        elif entry.is_file():
            yield entry


def verify_archive(root: Path | str) -> VerifyReport:
    """Check every document, blob pointer, index line and log of the archive at ``root``.

    Returns the report; ``report.ok`` is False when there is any error. Reads only.
    """
    checker = _Checker(Path(root))
    if not checker.root.is_dir():
        checker.add("error", "no_archive", str(root), "not a directory")
        return checker.report
    checker.stray_files()
    checker.segments()
    checker.documents()
    checker.warc_files()
    checker.logs()
    return checker.report
