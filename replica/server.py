"""The replica's HTTP/1.1 server: one loopback address, sites chosen by the Host header."""

from __future__ import annotations

import threading
import traceback
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from urllib.parse import urlsplit

from replica.corpus import Corpus
from replica.pages import Page, Responder

# How often the serving loop looks for a shutdown request: the longest wait stop() can take.
POLL_SECONDS = 0.05
LOGGED_HEADERS = ("If-None-Match", "If-Modified-Since", "User-Agent", "Accept-Encoding", "Referer")


@dataclass(frozen=True)
class RequestRecord:
    method: str
    host: str
    path: str  # path and query as requested
    status: int
    headers: dict[str, str] = field(default_factory=dict)  # the LOGGED_HEADERS present


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


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Head and body go out in two writes: with Nagle on, the second waits for the client's
    # delayed ACK, 40 ms per keep-alive request.
    disable_nagle_algorithm = True
    server_version = "nginx"
    sys_version = ""
    server: _Server

    def do_GET(self) -> None:
        self._serve(head=False)

    def do_HEAD(self) -> None:
        self._serve(head=True)

    def log_message(self, format: str, *args: object) -> None:
        return  # requests are recorded in ReplicaServer.requests instead

    def _serve(self, *, head: bool) -> None:
        replica = self.server.replica
        host = self.headers.get("Host", "")
        moved = replica._moves.get((host, self.path.split("?", 1)[0]))
        if moved is not None:
            replica.requests.append(RequestRecord(self.command, host, self.path, 301, {}))
            self.send_response(301)
            self.send_header("Location", moved)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        served_host, served_path = replica._moved_to.get(
            (host, self.path.split("?", 1)[0]), (host, self.path)
        )
        try:
            page = replica.responder.respond(served_host, served_path, own_address=replica.address)
        except Exception:  # a replica bug answers 500 and is kept for the tests to see
            page = Page(500, "text/plain; charset=utf-8", b"replica error\n")
            replica.errors.append(traceback.format_exc())
        status, body, headers = self._answer(page, head)
        replica.requests.append(
            RequestRecord(
                self.command,
                host,
                self.path,
                status,
                {h: v for h in LOGGED_HEADERS if (v := self.headers.get(h)) is not None},
            )
        )
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        if not head and body:
            self.wfile.write(body)

    def _answer(self, page: Page, head: bool) -> tuple[int, bytes, list[tuple[str, str]]]:
        headers = [("Content-Type", page.content_type)]
        if page.last_modified is not None:
            headers.append(("Last-Modified", format_datetime(page.last_modified, usegmt=True)))
        if page.etag is not None:
            headers.append(("ETag", page.etag))
        if page.status == 200 and self._not_modified(page):
            return 304, b"", [h for h in headers if h[0] != "Content-Type"]
        body = page.body
        if page.views is not None and page.counter_key is not None:
            prefix, suffix, base = page.views
            count = base if head else self.server.replica.counters.hit(page.counter_key, base)
            body = prefix + str(count).encode() + suffix
        headers.append(("Content-Length", str(len(body))))
        return page.status, body, headers

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


class _Server(ThreadingHTTPServer):
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
        self._httpd.shutdown()

    def stop(self) -> None:
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

    def __enter__(self) -> ReplicaServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
