"""The replica's HTTP/1.1 server: one loopback address, sites chosen by the Host header."""

from __future__ import annotations

import socket
import struct
import threading
import time
import traceback
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from urllib.parse import urlsplit

from replica.corpus import Corpus
from replica.degraded import challenge_html
from replica.faults import (
    ERROR_STATUS,
    HTML_MODES,
    RETRY_AFTER_MODES,
    SHORT_BY,
    FaultPlan,
    error_page,
    gzip_bomb,
    has_loop_mark,
    huge_page,
    loop_location,
    malformed,
    mislabelled,
    offsite_location,
    unlabelled,
)
from replica.pages import HTML_UTF8, Page, Responder
from replica.sites import SITE_BY_HOST

# How often the serving loop looks for a shutdown request: the longest wait stop() can take.
POLL_SECONDS = 0.05
LOGGED_HEADERS = ("If-None-Match", "If-Modified-Since", "User-Agent", "Accept-Encoding", "Referer")


@dataclass(frozen=True)
class RequestRecord:
    method: str
    host: str
    path: str  # path and query as requested
    status: int  # 0: none sent (the reset and hang faults)
    headers: dict[str, str] = field(default_factory=dict)  # the LOGGED_HEADERS present
    at: float = 0.0  # time.time() when the request line arrived
    fault: str | None = None  # the fault mode injected into the answer, if any


class RequestLog:
    """A thread-safe, bounded log of the requests served (oldest dropped first)."""

    def __init__(self, maxlen: int = 200_000) -> None:
        self._items: deque[RequestRecord] = deque(maxlen=maxlen)
        self._lock = threading.Lock()

    def append(self, record: RequestRecord) -> None:
        with self._lock:
            self._items.append(record)

    def snapshot(self) -> list[RequestRecord]:
        with self._lock:
            return list(self._items)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def __iter__(self) -> Iterator[RequestRecord]:
        return iter(self.snapshot())

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)


class _Counters:
    """Per-page hit counters of dynamic pages."""

    def __init__(self) -> None:
        self._counts: dict[str, int] = {}
        self._lock = threading.Lock()

    def hit(self, key: str, base: int) -> int:
        with self._lock:
            count = self._counts.get(key, base) + 1
            self._counts[key] = count
            return count


@dataclass
class _Answer:
    """What goes on the wire for one request: status, headers in order, body."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        return next((v for n, v in self.headers if n.lower() == name.lower()), None)

    def faulted(self, body: bytes, content_type: str | None = None) -> _Answer:
        """This answer with another body, no validators (a fault is not a version of the page)."""
        headers = [
            (n, content_type if content_type is not None and n == "Content-Type" else v)
            for n, v in self.headers
            if n not in ("ETag", "Last-Modified", "Content-Length")
        ]
        return _Answer(self.status, [*headers, ("Content-Length", str(len(body)))], body)


class _Handler(BaseHTTPRequestHandler):
    """One connection: answers from the Responder, or the fault the server's plan draws."""

    protocol_version = "HTTP/1.1"
    # Head and body go out in two writes: with Nagle on, the second waits for the client's
    # delayed ACK, 40 ms per keep-alive request.
    disable_nagle_algorithm = True
    server_version = "nginx"
    sys_version = ""
    server: _Server
    _arrived: float = 0.0

    def parse_request(self) -> bool:
        # Called as soon as the request line is read: the arrival time RequestRecord.at reports.
        self._arrived = time.time()
        return super().parse_request()

    def do_GET(self) -> None:
        self._serve(head=False)

    def do_HEAD(self) -> None:
        self._serve(head=True)

    def log_message(self, format: str, *args: object) -> None:
        return  # requests are recorded in ReplicaServer.requests instead

    def _serve(self, *, head: bool) -> None:
        replica = self.server.replica
        replica._wait_delay()
        host = self.headers.get("Host", "")
        fault, url, plan = replica._draw(host, self.path) if not head else (None, "", None)
        if fault is None or plan is None:
            self._send(self._normal(host, head, conditional=True), head, None)
        elif fault in ERROR_STATUS:
            extra = [("Retry-After", str(plan.retry_after))] if fault in RETRY_AFTER_MODES else []
            self._send(self._simple(ERROR_STATUS[fault], error_page(ERROR_STATUS[fault]), extra), head, fault)
        elif fault == "reset":
            self._log(0, fault)
            self._reset()
        elif fault == "hang":
            self._log(0, fault)
            self.close_connection = True
            replica._stopping.wait(plan.hang_seconds)
        elif fault in ("redirect_loop", "redirect_offsite"):
            to = loop_location(url) if fault == "redirect_loop" else offsite_location(self.path)
            self._send(self._simple(302, error_page(302), [("Location", to)]), head, fault)
        elif fault == "challenge":
            site = SITE_BY_HOST[_host_name(host)]
            page = challenge_html(site, self.path.split("?", 1)[0]).encode()
            self._send(self._simple(200, page, [], HTML_UTF8), head, fault)
        elif fault == "gzip_bomb":
            bomb = gzip_bomb(plan.bomb_bytes)
            self._send(self._simple(200, bomb, [("Content-Encoding", "gzip")], HTML_UTF8), head, fault)
        elif fault == "huge_page":
            size = plan.huge_bytes
            answer = _Answer(200, [("Content-Type", HTML_UTF8), ("Content-Length", str(size))], b"")
            self._send(answer, head, fault, stream=huge_page(size))
        else:
            self._serve_page_fault(host, head, fault)

    def _serve_page_fault(self, host: str, head: bool, fault: str) -> None:
        """The faults that send the page's own bytes, slowly, cut, or rewritten."""
        normal = self._normal(host, head, conditional=False)
        if fault == "trickle":
            self._log(normal.status, fault)
            self._trickle(normal.faulted(normal.body))
            return
        if fault == "short_body":
            answer = normal.faulted(normal.body)
            answer.headers[-1] = ("Content-Length", str(len(normal.body) + SHORT_BY))
            self.close_connection = True
            self._send(answer, head, fault)
            return
        assert fault in HTML_MODES, fault
        ctype = normal.header("Content-Type") or ""
        if not ctype.startswith("text/html"):
            # Rewriting HTML of a file makes no sense: the normal answer, validators included.
            self._send(self._normal(host, head, conditional=True), head, None)
            return
        logged: str | None = fault
        try:
            if fault == "charset_wrong":
                answer = normal.faulted(mislabelled(normal.body, ctype), HTML_UTF8)
            elif fault == "charset_missing":
                answer = normal.faulted(unlabelled(normal.body, ctype), "text/html")
            else:
                answer = normal.faulted(malformed(normal.body, ctype))
        except Exception:  # a replica bug: the page as it is, and the traceback for the tests
            self.server.replica.errors.append(traceback.format_exc())
            answer, logged = normal, None
        self._send(answer, head, logged)

    def _normal(self, host: str, head: bool, *, conditional: bool) -> _Answer:
        """The answer without faults: moves, the corpus page, conditional requests, hit counters."""
        replica = self.server.replica
        moved = replica._moves.get((host, self.path.split("?", 1)[0]))
        if moved is not None:
            return _Answer(301, [("Location", moved), ("Content-Length", "0")], b"")
        served_host, served_path = replica._moved_to.get(
            (host, self.path.split("?", 1)[0]), (host, self.path)
        )
        try:
            page = replica.responder.respond(served_host, served_path, own_address=replica.address)
        except Exception:  # a replica bug answers 500 and is kept for the tests to see
            page = Page(500, "text/plain; charset=utf-8", b"replica error\n")
            replica.errors.append(traceback.format_exc())
        return self._answer(page, head, conditional)

    @staticmethod
    def _simple(status: int, body: bytes, extra: list[tuple[str, str]], ctype: str = HTML_UTF8) -> _Answer:
        return _Answer(status, [("Content-Type", ctype), *extra, ("Content-Length", str(len(body)))], body)

    def _log(self, status: int, fault: str | None) -> None:
        self.server.replica.requests.append(
            RequestRecord(
                self.command,
                self.headers.get("Host", ""),
                self.path,
                status,
                {h: v for h in LOGGED_HEADERS if (v := self.headers.get(h)) is not None},
                self._arrived,
                fault,
            )
        )

    def _send(
        self, answer: _Answer, head: bool, fault: str | None, stream: Iterator[bytes] | None = None
    ) -> None:
        self._log(answer.status, fault)
        self.send_response(answer.status)
        for name, value in answer.headers:
            self.send_header(name, value)
        self.end_headers()
        if head:
            return
        try:
            if answer.body:
                self.wfile.write(answer.body)
            for chunk in stream or ():
                if self.server.replica._stopping.is_set():
                    self.close_connection = True
                    return
                self.wfile.write(chunk)
        except OSError:  # the client went away
            self.close_connection = True

    def _reset(self) -> None:
        """Abort the connection: with SO_LINGER on and a zero timeout, close() sends a TCP RST."""
        self.close_connection = True
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        # The reader holds a reference to the socket: the descriptor closes with the last one.
        self.rfile.close()
        self.connection.close()

    def _trickle(self, answer: _Answer) -> None:
        """Status and headers at once, then the body a byte a second until done, gone or stopped."""
        self.close_connection = True
        self.send_response(answer.status)
        for name, value in answer.headers:
            self.send_header(name, value)
        self.end_headers()
        stopping = self.server.replica._stopping
        try:
            for i in range(len(answer.body)):
                self.wfile.write(answer.body[i : i + 1])
                if stopping.wait(1.0):
                    return
        except OSError:  # the client went away
            return

    def _answer(self, page: Page, head: bool, conditional: bool = True) -> _Answer:
        headers = [("Content-Type", page.content_type)]
        if page.last_modified is not None:
            headers.append(("Last-Modified", format_datetime(page.last_modified, usegmt=True)))
        if page.etag is not None:
            headers.append(("ETag", page.etag))
        if conditional and page.status == 200 and self._not_modified(page):
            return _Answer(304, [h for h in headers if h[0] != "Content-Type"], b"")
        body = page.body
        if page.views is not None and page.counter_key is not None:
            prefix, suffix, base = page.views
            count = base if head else self.server.replica.counters.hit(page.counter_key, base)
            body = prefix + str(count).encode() + suffix
        headers.append(("Content-Length", str(len(body))))
        return _Answer(page.status, headers, body)

    def _not_modified(self, page: Page) -> bool:
        tags = self.headers.get("If-None-Match")
        if tags is not None:
            if page.etag is None:
                return False
            return tags.strip() == "*" or page.etag in (t.strip() for t in tags.split(","))
        since = self.headers.get("If-Modified-Since")
        if since is None or page.last_modified is None:
            return False
        try:
            when = parsedate_to_datetime(since)
        except (TypeError, ValueError):
            return False
        if when.tzinfo is None:
            return False
        return page.last_modified.replace(microsecond=0) <= when


def _host_name(host: str) -> str:
    """The Host header without its port, as the Responder reads it."""
    return host.rsplit(":", 1)[0].lower() if not host.startswith("[") else host


class _Server(ThreadingHTTPServer):
    # A thread per connection, no pool to exhaust: a slow answer (set_delay, hang, trickle) never
    # keeps another connection waiting.
    daemon_threads = True
    # socketserver's default listen backlog is 5: a crawl opening a few dozen connections at once
    # overflowed it, the kernel dropped the SYNs, and the client's retransmissions (after 1, 3, 7,
    # 15… s) stalled whole benchmark runs by up to 50 s. Real servers listen with a deep backlog.
    request_queue_size = 1024
    allow_reuse_address = True
    replica: ReplicaServer


class ReplicaServer:
    """Serves a Corpus on 127.0.0.1 (port 0: a free port) from a background thread."""

    def __init__(self, corpus: Corpus, port: int = 0) -> None:
        self.corpus = corpus
        self.responder = Responder(corpus)
        self._moves: dict[tuple[str, str], str] = {}
        self._moved_to: dict[tuple[str, str], tuple[str, str]] = {}
        self.requests = RequestLog()
        self.counters = _Counters()
        self.errors: list[str] = []  # tracebacks of requests the replica failed to answer
        self._plan: FaultPlan | None = None
        self._attempts: dict[str, int] = {}  # GETs of each URL since the plan was set
        self._plan_lock = threading.Lock()
        self._delay = 0.0
        # Set when the server stops: what hanging and trickling answers wait on, so they end with it.
        self._stopping = threading.Event()
        self._httpd = _Server(("127.0.0.1", port), _Handler)
        self._httpd.replica = self
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return f"http://{self.address}"

    @property
    def hosts(self) -> Sequence[str]:
        return [site.host for site in self.corpus.sites.values()]

    def start(self) -> ReplicaServer:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._httpd.serve_forever, args=(POLL_SECONDS,), name="replica", daemon=True
            )
            self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in the calling thread until shutdown() is called from another one."""
        self._httpd.serve_forever(POLL_SECONDS)

    def shutdown(self) -> None:
        self._stopping.set()
        self._httpd.shutdown()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join(timeout=10)
            self._thread = None
        self._httpd.server_close()

    def edit(self, url: str, text: str | Sequence[str]) -> None:
        """From now on the page's body ends with these paragraphs (its ETag and Last-Modified change)."""
        self.corpus.edit(url, text)

    def retitle(self, url: str, title: str) -> None:
        """From now on the page has this title (its ETag and Last-Modified change)."""
        self.corpus.retitle(url, title)

    def inject(self, url: str, markup: str) -> None:
        """From now on the page's body ends with this raw, unescaped HTML."""
        self.corpus.inject(url, markup)

    def remove(self, url: str) -> None:
        """From now on the URL answers 404."""
        self.corpus.remove(url)

    def move(self, url: str, to: str) -> None:
        """From now on ``url`` answers 301 to ``to`` (a real URL of the same host), which serves what
        ``url`` served: a page moved by a portal's redesign."""
        old, new = urlsplit(url), urlsplit(to)
        self._moves[(old.netloc, old.path)] = to
        self._moved_to[(new.netloc, new.path)] = (old.netloc, old.path)

    def set_template(self, site: str, column: str, template: str) -> None:
        """From now on the detail pages of the site's column come in ``template``: ``broken`` moves
        the body out of the site's selectors and drops the title element; ``standard`` restores."""
        self.corpus.set_template(site, column, template)

    def challenge(self, site: str, on: bool = True) -> None:
        """From now on (``on``) every HTML answer of the site is a 200 JavaScript challenge page."""
        self.corpus.set_challenge(site, on)

    # --- misbehaving on demand -------------------------------------------------------------------

    def set_faults(self, plan: FaultPlan | None) -> None:
        """From now on the requests `plan` draws get its faults (None: none); attempts count anew."""
        with self._plan_lock:
            self._plan = plan
            self._attempts = {}

    def set_delay(self, seconds: float) -> None:
        """From now on every answer waits `seconds` first, each on its own thread (a slow server)."""
        if seconds < 0:
            raise ValueError(f"a delay cannot be negative: {seconds}")
        self._delay = seconds

    def set_robots(self, site: str, *, status: int = 200, disallow: Sequence[str] = ()) -> None:
        """From now on the site's robots.txt answers `status`; with 200 it also disallows `disallow`
        (paths, on top of the site's own rules) for every user agent."""
        if site not in self.corpus.sites:
            raise KeyError(f"no site {site!r} in this corpus; sites: {', '.join(self.corpus.sites)}")
        self.responder.set_robots(site, status, tuple(disallow))

    def set_duplicate_links(self, on: bool) -> None:
        """From now on (`on`) list pages link each document twice, once under a URL with tracking
        parameters, and TRS home, category and unit pages link each folder also as ``index.html``."""
        self.responder.duplicate_links = on

    def _wait_delay(self) -> None:
        if self._delay > 0:
            self._stopping.wait(self._delay)

    def _draw(self, host: str, target: str) -> tuple[str | None, str, FaultPlan | None]:
        """(fault, real URL, plan) of a GET: counts the attempt; no plan or another host: no fault."""
        site = SITE_BY_HOST.get(_host_name(host))
        if site is None or not target.startswith("/"):
            return None, "", None
        url = site.base_url + target
        with self._plan_lock:
            plan = self._plan
            if plan is None:
                return None, url, None
            attempt = self._attempts.get(url, 0)
            self._attempts[url] = attempt + 1
        path, _, query = target.partition("?")
        if path != "/robots.txt" and has_loop_mark(query):
            return "redirect_loop", url, plan  # the way back of a loop, whatever the draw
        return plan.fault_for(url, attempt), url, plan

    def __enter__(self) -> ReplicaServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
