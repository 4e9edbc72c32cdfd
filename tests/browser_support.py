"""Real-browser tests' parts: `xxgk browse` as a child process on a free port, and Debian's Chromium
driven by Playwright's sync API (tests/test_web_browser.py).

Chromium is the system's (/usr/bin/chromium, installed by deploy/install-browser.sh), never
Playwright's own download, which these machines cannot fetch.
"""

from __future__ import annotations

import os
import re
import select
import shutil
import subprocess
import sys
import tempfile
import time
import zlib
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Dialog, Page

REPO = Path(__file__).resolve().parent.parent
ARTIFACTS = REPO / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")
INSTALL_HINT = "run `bash deploy/install-browser.sh` as root (apt-get install chromium fonts-noto-cjk)"
#: Without the background-networking flags Chromium calls home, which a closed network refuses (and
#: which would slow every start); --no-sandbox because the tests run as root.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
_SERVING = re.compile(r"serving .* read-only at (http://127\.0\.0\.1:\d+/)")


def browser_missing() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    if not os.access(CHROMIUM, os.X_OK):
        return f"chromium is missing ({CHROMIUM}): {INSTALL_HINT}"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the Python package playwright is missing: `make setup` installs the dev extras"
    return None


def chinese_fonts() -> set[str]:
    """The families fontconfig knows that cover Chinese (none without fontconfig)."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return set()
    found = subprocess.run([fc_list, ":lang=zh", "family"], capture_output=True, text=True, check=False)
    # A font may have several names ("Noto Sans CJK SC,Noto Sans CJK SC Regular").
    return {name.strip() for line in found.stdout.splitlines() for name in line.split(",") if name.strip()}


def rendered_fonts(page: Page, selector: str) -> dict[str, int]:
    """The fonts Chromium drew the text of ``selector``'s element with: family -> glyphs drawn. A
    character no font has is drawn as a box in some fallback font, and counted there."""
    cdp = page.context.new_cdp_session(page)
    try:
        cdp.send("DOM.enable")
        cdp.send("CSS.enable")
        root = cdp.send("DOM.getDocument")["root"]["nodeId"]
        node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
        fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
    finally:
        cdp.detach()
    return {font["familyName"]: int(font["glyphCount"]) for font in fonts}


@dataclass
class Served:
    """A running `xxgk browse`: the URL it printed, and what it wrote to stderr (its log)."""

    url: str
    _stderr: IO[str]

    def log(self) -> str:
        self._stderr.seek(0)
        return self._stderr.read()


@contextmanager
def browse_server(archive: Path, timeout: float = 60) -> Iterator[Served]:
    """`xxgk browse --port 0` over ``archive`` as a user starts it, once it printed its URL (so is
    listening); stopped afterwards with SIGTERM, on which uvicorn shuts down cleanly."""
    with tempfile.TemporaryFile("w+", encoding="utf-8") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "crawler.cli", "browse", "--archive", str(archive), "--port", "0"],
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
        )
        try:
            yield Served(_wait_for_url(process, stderr, timeout), stderr)
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            assert process.stdout is not None
            process.stdout.close()


def _wait_for_url(process: subprocess.Popen[str], stderr: IO[str], timeout: float) -> str:
    assert process.stdout is not None
    deadline = time.monotonic() + timeout
    seen = ""
    while time.monotonic() < deadline:
        # select() so that a server that never prints fails the test instead of hanging it.
        ready, _, _ = select.select([process.stdout], [], [], 0.2)
        if ready:
            line = process.stdout.readline()
            seen += line
            found = _SERVING.search(line)
            if found:
                return found.group(1)
        if process.poll() is not None:
            break
    stderr.seek(0)
    raise RuntimeError(
        f"`xxgk browse` printed no URL (exit status {process.poll()}):\n{seen}\n{stderr.read()[-3000:]}"
    )


@dataclass
class BrowserSession:
    """One Chromium for a test module, one context (so one cookie jar) for its pages, and everything
    its pages reported: dialogs (alert, confirm, …) and console messages."""

    browser: Browser
    context: BrowserContext
    server: Served
    dialogs: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)

    @property
    def base_url(self) -> str:
        return self.server.url

    def watch(self, page: Page) -> None:
        page.on("dialog", self._on_dialog)
        page.on("console", self._on_console)

    def _on_dialog(self, dialog: Dialog) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message} (on {dialog.page.url if dialog.page else '?'})")
        # An unanswered dialog would block the page, and the test with it.
        dialog.dismiss()

    def _on_console(self, message: ConsoleMessage) -> None:
        self.console.append(f"{message.type}: {message.text} ({message.location.get('url', '')})")


@contextmanager
def chromium_session(server: Served) -> Iterator[BrowserSession]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS, timeout=60_000
        )
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
            context.set_default_timeout(20_000)
            session = BrowserSession(browser, context, server)
            # Every page of the context, frames and popups included, reports its dialogs here.
            context.on("page", session.watch)
            yield session
            context.close()
        finally:
            browser.close()


def full_page_screenshot(page: Page, path: Path) -> None:
    """A screenshot of the whole page, iframes included. Chromium's own full-page capture leaves
    out-of-process frames blank (a sandboxed frame is one), so the viewport grows to the page
    instead, and shrinks back afterwards."""
    path.parent.mkdir(parents=True, exist_ok=True)
    viewport = page.viewport_size or {"width": 1280, "height": 900}
    height = int(page.evaluate("document.documentElement.scrollHeight"))
    page.set_viewport_size({"width": viewport["width"], "height": min(max(height, 1), 16_000)})
    try:
        page.screenshot(path=str(path))
    finally:
        page.set_viewport_size(viewport)


@dataclass
class Png:
    width: int
    height: int
    #: Bytes per pixel: 3 (RGB) or 4 (RGBA).
    channels: int
    #: The unfiltered scanlines, one bytes object per row.
    rows: list[bytes]

    def colour_counts(self) -> Counter[bytes]:
        step = self.channels
        return Counter(row[i : i + step] for row in self.rows for i in range(0, len(row), step))


def read_png(data: bytes) -> Png:
    """Decode an 8-bit RGB(A), non-interlaced PNG (what Chromium's screenshots are) with the stdlib
    only: Pillow is not a dependency."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    pos, header, idat = 8, b"", bytearray()
    while pos < len(data):
        length = int.from_bytes(data[pos : pos + 4], "big")
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    width, height = int.from_bytes(header[:4], "big"), int.from_bytes(header[4:8], "big")
    depth, colour_type, interlace = header[8], header[9], header[12]
    if depth != 8 or colour_type not in (2, 6) or interlace:
        raise ValueError(f"unsupported PNG: depth {depth}, colour type {colour_type}, interlace {interlace}")
    channels = 3 if colour_type == 2 else 4
    raw = zlib.decompress(bytes(idat))
    stride = width * channels
    rows: list[bytes] = []
    previous = bytes(stride)
    for y in range(height):
        start = y * (stride + 1)
        row = _unfilter(raw[start], bytearray(raw[start + 1 : start + 1 + stride]), previous, channels)
        rows.append(row)
        previous = row
    return Png(width, height, channels, rows)


def _unfilter(kind: int, row: bytearray, above: bytes, bpp: int) -> bytes:
    """Undo one scanline's PNG filter (RFC 2083, 6.2-6.6)."""
    if kind == 1:
        for i in range(bpp, len(row)):
            row[i] = (row[i] + row[i - bpp]) & 0xFF
    elif kind == 2:
        for i in range(len(row)):
            row[i] = (row[i] + above[i]) & 0xFF
    elif kind == 3:
        for i in range(len(row)):
            left = row[i - bpp] if i >= bpp else 0
            row[i] = (row[i] + ((left + above[i]) >> 1)) & 0xFF
    elif kind == 4:
        for i in range(len(row)):
            a = row[i - bpp] if i >= bpp else 0
            b, c = above[i], above[i - bpp] if i >= bpp else 0
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            predictor = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
            row[i] = (row[i] + predictor) & 0xFF
    elif kind != 0:
        raise ValueError(f"bad PNG filter type {kind}")
    return bytes(row)
