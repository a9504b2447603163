"""Serves the built back-office console and the local GraphiQL page from app/console/static.

`cd console && npm run build` writes index.html (the console), graphiql.html and assets/ (content-
hashed file names) there; they ship in the Python package, so serving them needs no Node and no
network. The HTML pages are revalidated on every load (Cache-Control: no-cache, with an ETag), the
assets are cached for a year (a rebuild changes their names). Every response carries a strict
Content-Security-Policy: scripts, styles and connections from this origin only (connect-src 'self'
also admits the same-origin ws:/wss: URL of /graphql), nothing inline, no eval.
"""

import hashlib
import re
import stat
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

STATIC_DIR = Path(__file__).resolve().parent / "static"

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; "
    "script-src 'self'; "
    "style-src 'self'; "
    "img-src 'self' data:; "  # GraphiQL's stylesheet carries small data: images and fonts
    "font-src 'self' data:; "
    "connect-src 'self'; "  # also the same-origin ws:/wss: URL (CSP3; checked in Chromium)
    "base-uri 'none'; "
    "form-action 'self'; "
    "frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
PAGE_CACHE = "no-cache"
ASSET_CACHE = "public, max-age=31536000, immutable"

# What Vite writes under assets/: one path segment, no leading dot (so never "." or "..").
ASSET_NAME_RE = re.compile(r"^[A-Za-z0-9_-][A-Za-z0-9._-]{0,199}$")
CONTENT_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".map": "application/json",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".ico": "image/x-icon",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".ttf": "font/ttf",
    ".wasm": "application/wasm",
    ".txt": "text/plain; charset=utf-8",
}
# Routed so that the 405 for a method other than GET and HEAD carries the headers above too.
EVERY_METHOD = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
NOT_BUILT = ("The console is not built: run `cd console && npm ci && npm run build` "
             "(see console/README.md).\n")


def _headers(cache_control: str, **extra: str) -> dict[str, str]:
    return {**SECURITY_HEADERS, "Cache-Control": cache_control, **extra}


def not_found() -> Response:
    return PlainTextResponse("Not Found\n", status_code=404, headers=_headers("no-store"))


def method_not_allowed() -> Response:
    return PlainTextResponse("Method Not Allowed\n", status_code=405,
                             headers=_headers("no-store", Allow="GET, HEAD"))


def page_response(request: Request, name: str, static_dir: Path = STATIC_DIR) -> Response:
    """One of the built HTML pages (index.html, graphiql.html), revalidated on every load; 503 with
    how to build it when the build is missing."""
    try:
        body = (static_dir / name).read_bytes()
    except FileNotFoundError:
        return PlainTextResponse(NOT_BUILT, status_code=503, headers=_headers("no-store"))
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    headers = _headers(PAGE_CACHE, ETag=etag)
    if etag in {tag.strip() for tag in request.headers.get("if-none-match", "").split(",")}:
        return Response(status_code=304, headers=headers)
    headers["Content-Length"] = str(len(body))
    return Response(b"" if request.method == "HEAD" else body, media_type="text/html; charset=utf-8",
                    headers=headers)


def asset_response(name: str, static_dir: Path = STATIC_DIR) -> Response:
    """A file directly under assets/, or a plain 404 (never the console page: a missing script
    must fail as one, not be parsed as HTML)."""
    if not ASSET_NAME_RE.match(name):
        return not_found()
    path = static_dir / "assets" / name
    try:
        status = path.stat()
    except FileNotFoundError:
        return not_found()
    if not stat.S_ISREG(status.st_mode):
        return not_found()
    content_type = CONTENT_TYPES.get(path.suffix.lower(), "application/octet-stream")
    return FileResponse(path, media_type=content_type, stat_result=status, headers=_headers(ASSET_CACHE))


def console_routes(static_dir: Path = STATIC_DIR) -> list[BaseRoute]:
    """/console/assets/<file>: the built assets; /console, /console/ and every other /console/<path>:
    the console's index.html (its client-side routes, e.g. /console/orders/<id>). GET and HEAD;
    other methods are answered 405 under the same headers."""

    async def asset(request: Request) -> Response:
        if request.method not in {"GET", "HEAD"}:
            return method_not_allowed()
        return asset_response(request.path_params["name"], static_dir)

    async def console_page(request: Request) -> Response:
        if request.method not in {"GET", "HEAD"}:
            return method_not_allowed()
        return page_response(request, "index.html", static_dir)

    return [
        Route("/console/assets/{name:path}", asset, methods=EVERY_METHOD),
        Route("/console", console_page, methods=EVERY_METHOD),
        Route("/console/{path:path}", console_page, methods=EVERY_METHOD),
    ]


def graphiql_response(request: Request, static_dir: Path = STATIC_DIR) -> Response:
    """The local GraphiQL page (its scripts and styles are console assets)."""
    return page_response(request, "graphiql.html", static_dir)
