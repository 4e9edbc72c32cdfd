"""The web interface: Starlette routes rendering Jinja2 templates (docs/browse.md, "Web").

Every page is rendered with autoescaping on (crawled titles and bodies are text, never markup), the
archived bytes only with a ``sandbox`` Content-Security-Policy (their scripts cannot run, even when
the URL is opened outside its frame), and only for references that ``parse_ref`` accepts.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import jinja2
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from pipelines.index.documents import DocumentError, DocumentNotFoundError, locate
from pipelines.index.search import IndexMissingError
from pipelines.index.tokens import QueryError
from webui import labels
from webui.exports import export_page
from webui.reader import FACETS, PAGE_SIZE, document_view, parse_query, raw_of, results

__all__ = ["create_app", "render", "security_headers"]

log = logging.getLogger(__name__)
LOCAL_NAMES = ("127.0.0.1", "localhost")
HERE = Path(__file__).parent
#: Our own pages load nothing from anywhere else, and run no script at all.
PAGE_POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; frame-src 'self'; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'self'"
)
#: The archived page: no script, no request anywhere (images of the live site included: viewing an
#: archived page must not tell the portal who looks), styles inline only.
ARCHIVED_POLICY = (
    "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'"
)
_CONTENT_TYPE = re.compile(r"[a-z0-9.+-]+/[a-z0-9.+-]+(; ?charset=[a-z0-9_.:-]+)?", re.IGNORECASE)

_templates = jinja2.Environment(
    loader=jinja2.FileSystemLoader(HERE / "templates"),
    autoescape=True,
    # Archived JSON leaves out what a document lacks: a missing field renders as nothing.
    undefined=jinja2.ChainableUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
_templates.globals.update(
    stat_label=labels.stat_label,
    doc_types=labels.DOC_TYPES,
    formats=labels.FORMATS,
    page_size=PAGE_SIZE,
)


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """A page of ours: the template with the request's URL helpers, and our security headers."""
    html = _templates.get_template(name).render(request=request, url_with=_url_with(request), **context)
    return HTMLResponse(html, status_code, headers=security_headers(PAGE_POLICY))


def security_headers(policy: str) -> dict[str, str]:
    return {
        "Content-Security-Policy": policy,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "no-store",
    }


def _url_with(request: Request) -> Callable[..., str]:
    """``url_with(site="fuxin")``: this page's query string with some parameters changed (None
    removes one). Any change but the page's own number goes back to page 1."""

    def url_with(**changes: Any) -> str:
        params = dict(request.query_params)
        if "page" not in changes:
            params.pop("page", None)
        for name, value in changes.items():
            if value is None or value == "":
                params.pop(name, None)
            else:
                params[name] = str(value)
        return "?" + urlencode(params) if params else "?"

    return url_with


def search_page(request: Request) -> Response:
    archive: Path = request.app.state.archive
    query = parse_query(request.query_params)
    if re.match(r"https?://", query.text, re.IGNORECASE):
        # An original URL pasted into the search box: its document (DocumentNotFoundError: a 404).
        return RedirectResponse(f"/doc/{locate(archive, query.text).id}", 303)
    found = results(archive, query)
    return render(request, "search.html", query=query, results=found, facet_names=list(FACETS))


def _version_param(request: Request, name: str) -> int | None:
    value = request.query_params.get(name)
    if value is None or value == "":
        return None
    if not re.fullmatch(r"\d{1,6}", value):
        raise QueryError(f"{name} must be a version number, not {value[:40]!r}")
    return int(value)


def document_page(request: Request) -> Response:
    archive: Path = request.app.state.archive
    ref = request.path_params["ref"]
    old, new = _version_param(request, "from"), _version_param(request, "to")
    diff = (old, new) if old is not None and new is not None else None
    view = document_view(archive, ref, _version_param(request, "v"), diff)
    return render(request, "document.html", view=view, doc=view.doc)


def archived_bytes(request: Request) -> Response:
    """The bytes as received, under a policy that keeps their scripts from running. Attachments are
    downloads: a PDF viewer cannot run inside a sandbox."""
    archive: Path = request.app.state.archive
    data, content_type, doc = raw_of(archive, request.path_params["ref"], _version_param(request, "v"))
    if not _CONTENT_TYPE.fullmatch(content_type):
        content_type = "application/octet-stream"
    headers = security_headers(ARCHIVED_POLICY)
    if doc.get("kind") == "attachment" or request.query_params.get("download"):
        name = re.sub(r"[^A-Za-z0-9._-]", "_", str(doc.get("url", "")).rsplit("/", 1)[-1])[:100] or "file"
        headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return Response(data, headers=headers, media_type=content_type)


def _error(request: Request, status: int, message: str) -> Response:
    return render(request, "error.html", status, status=status, message=message)


async def query_error(request: Request, exc: Exception) -> Response:
    if isinstance(exc, DocumentNotFoundError):
        return _error(request, 404, str(exc))
    if isinstance(exc, IndexMissingError):
        return _error(request, 503, str(exc))
    if isinstance(exc, DocumentError):
        return _error(request, 404, str(exc))
    return _error(request, 400, str(exc))


async def http_error(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    return _error(request, status, "no such page" if status == 404 else str(getattr(exc, "detail", "")))


async def server_error(request: Request, exc: Exception) -> Response:
    log.exception("error serving %s", request.url.path, exc_info=exc)
    return _error(request, 500, "the page could not be made; the server's log has the details")


def routes() -> list[BaseRoute]:
    from webui.agencies import routes as agency_routes

    return [
        Route("/", search_page),
        Route("/doc/{ref}", document_page),
        Route("/doc/{ref}/archived", archived_bytes),
        Route("/export", export_page),
        *agency_routes(),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]


def create_app(archive: Path | str, *, allowed_hosts: list[str] | None = None) -> Starlette:
    """The interface over ``archive``. ``allowed_hosts``: the Host headers answered (DNS rebinding:
    a web page must not read a local archive through a name it points at 127.0.0.1)."""
    app = Starlette(
        routes=routes(),
        middleware=[Middleware(TrustedHostMiddleware, allowed_hosts=allowed_hosts or list(LOCAL_NAMES))],
        exception_handlers={
            QueryError: query_error,
            HTTPException: http_error,
            Exception: server_error,
        },
    )
    app.state.archive = Path(archive)
    return app
