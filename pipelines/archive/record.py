"""Assemble archived JSON documents from what was fetched, extracted and parsed (pure functions)."""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any
from urllib.parse import urlsplit

import jsonschema_rs

from pipelines.archive.store import BlobRef, doc_id
from pipelines.extract.files import FileText
from pipelines.parse import DOCUMENT_KEYS

SCHEMA_VERSION = 1
_SPACE = re.compile(r"\s+")


def normalize_for_digest(text: str) -> str:
    """The text as compared between crawls: NFKC (full/half width alike), whitespace collapsed."""
    return _SPACE.sub(" ", unicodedata.normalize("NFKC", text)).strip()


def text_digest(title: str | None, text: str) -> str:
    """Digest deciding whether a page changed: its title and clean text, normalised.

    Bytes cannot decide it: hit counters (点击数, 浏览量) change them on every fetch.
    """
    joined = normalize_for_digest(title or "") + "\n" + normalize_for_digest(text)
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()


@cache
def schema() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        resources.files("pipelines.archive").joinpath("document.schema.json").read_text("utf-8")
    )
    return data


@cache
def _validator() -> Any:
    # jsonschema-rs: every document is validated as it is archived, and the pure-Python validator
    # cost more than extraction and parsing together (about 1 ms against 10 µs per document).
    return jsonschema_rs.validator_for(schema())


def schema_errors(doc: dict[str, Any]) -> list[str]:
    """Every way ``doc`` violates the archived-document schema (empty when valid)."""
    return [
        f"{'/'.join(str(p) for p in err.instance_path) or '<root>'}: {err.message}"
        for err in _validator().iter_errors(doc)
    ]


@dataclass(frozen=True)
class Fetched:
    """What was fetched, as every archived version records it."""

    url: str
    site: str
    fetched_at: str
    status: int
    headers: dict[str, str]
    referer: str | None
    raw: BlobRef
    groups: dict[str, str] = field(default_factory=dict)

    def common(self) -> dict[str, Any]:
        return {
            "schema_version": SCHEMA_VERSION,
            "id": doc_id(self.url),
            "version": 1,
            "previous_version": None,
            "url": self.url,
            "site": self.site,
            "host": urlsplit(self.url).hostname,
            "fetched_at": self.fetched_at,
            "referer": self.referer,
            "location": dict(self.groups),
            "http": {"status": self.status, "headers": dict(self.headers)},
            "raw": self.raw.as_dict(),
        }


def page_document(
    fetched: Fetched, *, text_ref: BlobRef, extracted: Any, parsed: dict[str, Any]
) -> dict[str, Any]:
    """The archived JSON of one version of a detail page."""
    text: str = extracted.text
    doc = fetched.common()
    chrome = dict(extracted.chrome)
    chrome.setdefault("breadcrumb", [])
    doc.update(
        {
            "kind": "page",
            "content_digest": text_digest(parsed.get("title"), text),
            "digest_rule": "normalized-text",
            "text_file": text_ref.as_dict(),
            "encoding": {
                "used": extracted.encoding.used,
                "declared": extracted.encoding.declared,
                "replacements": extracted.encoding.replacements,
            },
            "family": extracted.family,
            "meta": dict(extracted.meta),
            "chrome": chrome,
        }
    )
    merge_parsed(doc, parsed_fields(parsed))
    doc["text"] = text
    doc["attachments"] = [
        {"url": a.url, "id": doc_id(a.url), "text": a.text, "ext": a.ext} for a in extracted.attachments
    ]
    return doc


def parsed_fields(parsed: dict[str, Any]) -> dict[str, Any]:
    """Every field the parser produced, the lists and dicts never null.

    Generic on purpose: the parser gains fields (format, period, contacts, tables, evidence) and
    each is archived without a change here; the schema says what they may hold."""
    fields = {key: parsed.get(key) for key in DOCUMENT_KEYS}
    for key, value in parsed.items():
        fields.setdefault(key, value)
    fields["stats"] = fields["stats"] or {}
    fields["anomalies"] = list(fields["anomalies"] or [])
    fields["sections"] = fields["sections"] or []
    return fields


def merge_parsed(doc: dict[str, Any], fields: dict[str, Any]) -> None:
    """Add the parser's fields to `doc`: its named fields win, any other never replaces a field of
    the capture (url, kind, ...)."""
    for key, value in fields.items():
        if key in DOCUMENT_KEYS or key not in doc:
            doc[key] = value


def problem_anomalies(problems: tuple[str, ...]) -> list[dict[str, Any]]:
    """Extraction problems ("code:detail") as document anomalies."""
    out = []
    for problem in problems:
        code, _, detail = problem.partition(":")
        out.append({"code": code, "message": detail or code.replace("_", " "), "evidence": None})
    return out


def attachment_document(
    fetched: Fetched,
    *,
    file: FileText | None = None,
    text_ref: BlobRef | None = None,
    parsed: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The archived JSON of one version of an attachment.

    Its raw bytes always; when text could be read (`file.text`, stored at `text_ref`) the text and
    the parser's fields like a page's, `text_source` naming the file it came from, and a digest of
    the normalised text; when not, the bytes decide new versions and the problems are anomalies.
    Images (and callers passing no `file`) get the bytes only.
    """
    doc = fetched.common()
    doc.update(
        {
            "kind": "attachment",
            "content_digest": fetched.raw.sha256,
            "digest_rule": "bytes",
            "content_type": fetched.headers.get("Content-Type"),
            "parent": fetched.referer,
        }
    )
    if file is None or file.kind == "image":
        return doc
    anomalies = problem_anomalies(file.problems)
    if file.text is None or text_ref is None or parsed is None:
        doc.update({"file_kind": file.kind, "text_file": None, "text_source": None, "anomalies": anomalies})
        return doc
    fields = parsed_fields(parsed)
    fields["anomalies"] = anomalies + fields["anomalies"]
    doc.update(
        {
            "file_kind": file.kind,
            "content_digest": text_digest(None, file.text),
            "digest_rule": "normalized-text",
            "text_file": text_ref.as_dict(),
            "text_source": {"url": fetched.url, "kind": file.kind, "pages": file.pages},
        }
    )
    merge_parsed(doc, fields)
    doc["text"] = file.text
    return doc
