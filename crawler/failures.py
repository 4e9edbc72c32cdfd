"""Why a request failed, as the archive's failure records say it: (stage, reason, message).

Pure functions of an exception (a Twisted failure's value, a Scrapy exception, an ``HttpError``) and
the request's meta. The reasons are short, stable, machine-readable words (``http_503``,
``timeout``, ``connection_reset``, ``too_large``, ``robots_disallowed``…), never an exception's
class name: a record must mean the same thing whichever Twisted or Scrapy version raised it.

``RETRYABLE_REASONS`` are the failures a later run should try again (the server or the network
was in a bad moment); ``PERMANENT_REASONS`` are answers that will not change by asking again
(until the page itself changes). ``retryable(reason)`` also covers statuses not listed.

The refusals this project raises itself (size caps, redirect guards, robots.txt) are
``IgnoreRequest`` subclasses: Scrapy drops them quietly (no traceback in the log) and hands them
to the request's errback, which records them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet import defer
from twisted.internet import error as tx
from twisted.python.failure import Failure
from twisted.web import _newclient
from twisted.web._newclient import RequestTransmissionFailed, ResponseFailed, ResponseNeverReceived

try:  # private in Scrapy: the cause HttpCompressionMiddleware attaches to its IgnoreRequest
    from scrapy.utils._compression import _DecompressionMaxSizeExceeded
except ImportError:  # pragma: no cover - a Scrapy that renamed it: the message test below still works
    _DecompressionMaxSizeExceeded = None  # type: ignore[assignment,misc]

#: HTTP statuses worth another attempt in this run (Scrapy's RETRY_HTTP_CODES) and the next.
RETRY_STATUSES = frozenset({500, 502, 503, 504, 522, 524, 408, 429})

#: Failures of the network or of an overloaded server: this run retries them (``crawler/retry.py``)
#: and a later run should try again.
NETWORK_REASONS = frozenset(
    {
        "timeout",
        "connection_reset",
        "connection_refused",
        "connection_closed",
        "connection_failed",
        "data_loss",
        "dns",
    }
)

#: Reasons a later run should try again: the server or the network was in a bad moment.
RETRYABLE_REASONS = frozenset(
    {f"http_{status}" for status in (*RETRY_STATUSES, 501, 505, 507, 508, 509, 520, 521, 523)}
    | NETWORK_REASONS
    | {
        "robots_unavailable",  # the robots.txt answered 5xx or not at all: it may be back next time
        "challenge_page",  # walls come and go
        "redirect_loop",  # usually a broken session or load balancer, fixed within days
        "redirect_limit",
        "download_error",  # something unforeseen: worth one more look
        "archive_error",  # our side failed, not the page
    }
)

#: Reasons asking again will not change (until the page or the site's rules change).
PERMANENT_REASONS = frozenset(
    {f"http_{status}" for status in (400, 401, 403, 404, 405, 406, 410, 411, 414, 451)}
    | {
        "too_large",
        "redirect_offsite",
        "robots_disallowed",
        "offsite",
        "ignored",
        "empty_body",
        "not_html",
        "no_title",
        "decode_replacements",
    }
)


def retryable(reason: str) -> bool:
    """Whether a later run should try again after a failure of this ``reason``: the listed ones,
    and any 5xx status (a server error is a bad moment, whatever its number)."""
    if reason in RETRYABLE_REASONS:
        return True
    if reason.startswith("http_") and reason[5:].isdigit():
        return 500 <= int(reason[5:]) < 600
    return False


# --- refusals raised by the project's own middlewares -----------------------------------------------


class Refusal(IgnoreRequest):
    """A request the crawler refused to make or finish, with the failure record's words.

    ``url`` is the URL the record is about (the page that was asked for, when a redirect chain
    went wrong); None means the request's own URL."""

    stage = "download"
    reason = "refused"

    def __init__(self, message: str, *, url: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.url = url


class TooLarge(Refusal):
    """The answer was larger than its cap (``XXGK_PAGE_MAXSIZE`` for pages, ``DOWNLOAD_MAXSIZE``
    for files), on the wire or once decompressed."""

    reason = "too_large"


class RedirectLoop(Refusal):
    """A redirect to a URL the chain already visited."""

    reason = "redirect_loop"


class RedirectOffsite(Refusal):
    """A redirect to a host outside the site definition's hosts: never requested."""

    reason = "redirect_offsite"


class RobotsDisallowed(Refusal):
    """The host's robots.txt disallows the URL for our user agent."""

    stage = "robots"
    reason = "robots_disallowed"


class RobotsUnavailable(Refusal):
    """The host's robots.txt answered 5xx or could not be fetched: RFC 9309 §2.3.1.4 says to
    assume the whole host is disallowed."""

    stage = "robots"
    reason = "robots_unavailable"


# --- describing a failure ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Described:
    """What a failure record says about one failed request."""

    stage: str
    reason: str
    message: str
    status: int | None = None
    url: str | None = None  # the URL the record is about, when not the request's own


def http_reason(status: int) -> str:
    """The reason of an HTTP error answer: ``http_<status>``."""
    return f"http_{status}"


def status_line(status: int) -> str:
    """``HTTP 503 Service Unavailable`` (the phrase when the status has a standard one)."""
    try:
        return f"HTTP {status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"HTTP {status}"


def size_text(size: int) -> str:
    """A byte count as people read it: ``16 MiB``, ``700 KiB``, ``12 B``."""
    for unit, factor in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if size >= factor:
            value = size / factor
            return f"{value:.0f} {unit}" if value == int(value) else f"{value:.1f} {unit}"
    return f"{size} B"


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """The exception, what it was raised from, and the failures a Twisted wrapper holds."""
    seen: set[int] = set()
    todo: list[BaseException] = [exc]
    while todo:
        current = todo.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        if current.__cause__ is not None:
            todo.append(current.__cause__)
        for inner in getattr(current, "reasons", None) or ():
            value = inner.value if isinstance(inner, Failure) else inner
            if isinstance(value, BaseException):
                todo.append(value)


def _network_reason(exc: BaseException) -> str | None:
    """The reason of one exception of a failure's chain, or None when it says nothing precise.
    Checked most specific first: a ``DownloadFailedError`` holding a reset is a reset."""
    if isinstance(exc, DownloadCancelledError):
        return "too_large"  # Scrapy cancels a download only at DOWNLOAD_MAXSIZE / download_maxsize
    if _DecompressionMaxSizeExceeded is not None and isinstance(exc, _DecompressionMaxSizeExceeded):
        return "too_large"
    if isinstance(exc, DownloadTimeoutError | tx.TimeoutError | defer.TimeoutError):
        return "timeout"
    if isinstance(exc, CannotResolveHostError | tx.DNSLookupError):
        return "dns"
    if isinstance(exc, DownloadConnectionRefusedError | tx.ConnectionRefusedError):
        return "connection_refused"
    if isinstance(exc, ResponseDataLossError | _newclient._DataLoss):  # type: ignore[attr-defined]
        return "data_loss"
    if isinstance(exc, tx.ConnectionLost):
        return "connection_reset"  # lost "in a non-clean fashion": a reset (RST) or a broken link
    if isinstance(exc, tx.ConnectionDone):
        return "connection_closed"  # closed cleanly, without an answer
    if isinstance(
        exc,
        tx.ConnectError
        | DownloadFailedError
        | ResponseNeverReceived
        | ResponseFailed
        | RequestTransmissionFailed,
    ):
        return "connection_failed"
    return None


#: The order reasons win in when a failure's chain holds several (the most telling first).
_PRECEDENCE = (
    "too_large",
    "timeout",
    "dns",
    "connection_refused",
    "data_loss",
    "connection_reset",
    "connection_closed",
    "connection_failed",
)

_WORDS = {
    "too_large": "too large",
    "timeout": "timed out",
    "dns": "DNS lookup failed",
    "connection_refused": "connection refused",
    "data_loss": "body cut short (fewer bytes than Content-Length)",
    "connection_reset": "connection reset",
    "connection_closed": "connection closed without an answer",
    "connection_failed": "connection failed",
}


def _detail(exc: BaseException) -> str:
    """The most informative text of a failure's chain (Twisted's wrappers have empty ones)."""
    for cause in _causes(exc):
        text = str(cause).strip()
        if text and not text.startswith("[<twisted.python.failure.Failure"):
            return text
    return type(exc).__name__


_ANNOUNCED = re.compile(r"Expected to receive (\d+) bytes")
_INFLATED = re.compile(r"\((\d+) B compressed, (\d+) B decompressed so far\)")
_KINDS = {"attachment": "an attachment", None: "a response"}


def _too_large_message(exc: BaseException, meta: Mapping[str, Any]) -> str:
    """Which cap, and how the answer passed it (announced, received, or inflated)."""
    cap = meta.get("download_maxsize")
    kind = meta.get("xxgk_kind")
    what = _KINDS.get(kind, f"a {kind} page")
    setting = meta.get("xxgk_maxsize_setting") or "DOWNLOAD_MAXSIZE"
    limit = f"{size_text(cap)}, the cap for {what} ({setting})" if isinstance(cap, int) and cap else "the cap"
    text = " ".join(str(cause) for cause in _causes(exc))
    if found := _INFLATED.search(text):
        packed, inflated = int(found[1]), int(found[2])
        return (
            f"a {size_text(packed)} compressed body inflated past {limit} (stopped at {size_text(inflated)})"
        )
    if found := _ANNOUNCED.search(text):
        return f"{size_text(int(found[1]))} announced by Content-Length, more than {limit}"
    return f"more than {limit} received: download stopped"


def _network_message(reason: str, exc: BaseException, meta: Mapping[str, Any]) -> str:
    if reason == "timeout":
        seconds = meta.get("download_timeout")
        if isinstance(seconds, int | float) and seconds > 0:
            return f"timed out: no complete answer within {seconds:g} s (DOWNLOAD_TIMEOUT)"
    if reason == "data_loss":
        return "body cut short: the connection closed before Content-Length bytes arrived"
    return f"{_WORDS[reason]}: {_detail(exc)}"


def describe(exc: BaseException, meta: Mapping[str, Any] | None = None) -> Described:
    """(stage, reason, message, status) of a failed request; ``meta`` is the request's meta
    (the retry middleware leaves there how many attempts were made, and the size cap applied)."""
    meta = meta or {}
    note = str(meta.get("xxgk_retry_note") or "")
    suffix = f"; {note}" if note else ""
    if isinstance(exc, Refusal):
        return Described(exc.stage, exc.reason, exc.message + suffix, url=exc.url)
    if isinstance(exc, HttpError):
        status = exc.response.status
        return Described("http", http_reason(status), status_line(status) + suffix, status=status)
    found = {reason for cause in _causes(exc) if (reason := _network_reason(cause)) is not None}
    for reason in _PRECEDENCE:
        if reason in found:
            if reason == "too_large":
                return Described("download", reason, _too_large_message(exc, meta) + suffix)
            return Described("download", reason, _network_message(reason, exc, meta) + suffix)
    if isinstance(exc, IgnoreRequest):
        text = str(exc)
        if text.startswith("Filtered offsite request"):
            return Described("download", "offsite", text)
        if text == "max redirections reached":
            chain = " -> ".join(str(u) for u in meta.get("redirect_urls") or ())
            return Described("download", "redirect_limit", f"more redirects than REDIRECT_MAX_TIMES: {chain}")
        return Described("download", "ignored", text or "request ignored")
    return Described("download", "download_error", f"{type(exc).__name__}: {_detail(exc)}{suffix}")


def describe_failure(failure: Failure, meta: Mapping[str, Any] | None = None) -> Described:
    """``describe`` for a Twisted failure, as an errback receives it."""
    value = failure.value
    if not isinstance(value, BaseException):  # pragma: no cover - a Failure always holds one
        return Described("download", "download_error", str(value))
    return describe(value, meta)
