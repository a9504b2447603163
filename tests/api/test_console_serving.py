"""The back-office console and the local GraphiQL page, served from app/console/static: the SPA
fallback, cache headers, the Content-Security-Policy, assets and their 404s, HEAD, production."""

from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.types import ASGIApp, Message

from app.console import CONTENT_SECURITY_POLICY, STATIC_DIR, console_routes
from app.console.serving import graphiql_response
from app.settings import Settings
from tests.conftest import TEST_SECRET
from tests.support.client import GraphQLClient, running_client
from tests.support.console import crawl, html_references, is_relative

INDEX = (STATIC_DIR / "index.html").read_bytes()
GRAPHIQL = (STATIC_DIR / "graphiql.html").read_bytes()
ASSET_CACHE = "public, max-age=31536000, immutable"
HTML = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


@pytest.fixture
def backend() -> str:
    """SQLite only: serving files does not touch the database (the GraphQL checks here run on both
    backends elsewhere)."""
    return "sqlite"


def referenced_assets(page: bytes) -> list[str]:
    references, _ = html_references(page.decode())
    return [r for r in references if is_relative(r)]


def directives(header: str) -> dict[str, list[str]]:
    parsed: dict[str, list[str]] = {}
    for part in header.split(";"):
        name, *sources = part.split()
        assert name.lower() not in parsed, f"{name} twice"
        parsed[name.lower()] = sources
    return parsed


def assert_strict_policy(response: httpx.Response) -> None:
    header = response.headers.get("content-security-policy")
    assert header, f"{response.request.url.path}: no Content-Security-Policy"
    policy = directives(header)
    assert policy["default-src"] == ["'none'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["connect-src"] == ["'self'"]
    assert policy["base-uri"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]
    for name, sources in policy.items():
        for source in sources:
            assert source in {"'self'", "'none'", "data:"}, f"{name} allows {source}"
            if source == "data:":
                assert name in {"img-src", "font-src"}, f"{name} allows data:"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"


def test_the_policy_allows_nothing_inline_nor_from_another_host() -> None:
    for word in ("unsafe-inline", "unsafe-eval", "unsafe-hashes", "wasm-unsafe-eval", "strict-dynamic", "*",
                 "http:", "https:", "ws:", "wss:", "//"):
        assert word not in CONTENT_SECURITY_POLICY


@pytest.mark.parametrize("path", [
    "/console", "/console/", "/console/orders/RWNvbW1lcmNlT3JkZXI6MQ==", "/console/exceptions",
    "/console/orders/", "/console/a/b/c.html", "/console/assets"])
async def test_console_routes_answer_the_console_page(client: GraphQLClient, path: str) -> None:
    response = await client.http.get(path, headers=HTML)
    assert response.status_code == 200
    assert response.content == INDEX
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.headers["cache-control"] == "no-cache"
    assert_strict_policy(response)


async def test_the_console_page_revalidates_with_its_etag(client: GraphQLClient) -> None:
    first = await client.http.get("/console/")
    again = await client.http.get("/console/orders", headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == first.headers["etag"]
    assert again.headers["cache-control"] == "no-cache"
    assert_strict_policy(again)
    changed = await client.http.get("/console/", headers={"If-None-Match": '"another-build"'})
    assert changed.status_code == 200 and changed.content == INDEX


async def test_assets_are_cached_for_a_year_with_their_content_type(client: GraphQLClient) -> None:
    paths = set(referenced_assets(INDEX) + referenced_assets(GRAPHIQL))
    assert any(p.endswith(".js") for p in paths) and any(p.endswith(".css") for p in paths)
    for path in sorted(paths):
        assert path.startswith("/console/assets/")
        response = await client.http.get(path)
        assert response.status_code == 200, path
        assert response.content == (STATIC_DIR / "assets" / path.rsplit("/", 1)[1]).read_bytes()
        assert response.headers["cache-control"] == ASSET_CACHE
        expected = "text/javascript; charset=utf-8" if path.endswith(".js") else "text/css; charset=utf-8"
        assert response.headers["content-type"] == expected
        assert_strict_policy(response)


@pytest.mark.parametrize("path", [
    "/console/assets/missing-0000.js", "/console/assets/missing.css", "/console/assets/",
    "/console/assets/index.html", "/console/assets/orders/1"])
async def test_a_missing_asset_is_a_plain_404(client: GraphQLClient, path: str) -> None:
    response = await client.http.get(path, headers=HTML)
    assert response.status_code == 404
    assert not response.headers["content-type"].startswith("text/html")
    assert b"<html" not in response.content
    assert response.headers["cache-control"] == "no-store"
    assert_strict_policy(response)


@pytest.mark.parametrize("path", [
    "/console/assets/..%2Findex.html",
    "/console/assets/..%2F..%2Fserving.py",
    "/console/assets/%2E%2E%2F%2E%2E%2F__init__.py",
    "/console/assets/..%2F..%2F..%2F..%2Fpyproject.toml",
    "/console/assets/..%5C..%5Cserving.py",
    "/console/assets/%2Fetc%2Fpasswd",
    "/console/assets/.%2Findex.html",
    "/console/assets/%2E%2E",
    "/console/assets/.hidden",
    "/console/assets/console.js%00.css",
])
async def test_traversal_out_of_the_assets_is_refused(client: GraphQLClient, path: str) -> None:
    response = await client.http.get(path)
    assert response.status_code == 404
    assert response.content == b"Not Found\n"


@pytest.mark.parametrize("path", ["/console/assets/../index.html", "/console/assets/../../serving.py",
                                  "/console/assets/./index.html", "/console/assets/..", "/console/assets/x/../../main.py"])
async def test_dot_segments_sent_as_they_are_are_refused(client: GraphQLClient, path: str) -> None:
    # httpx removes dot segments from a URL before sending it; a client such as `curl --path-as-is`
    # does not, so these go to the app as they are.
    status, body = await raw_get(client.app, path)
    assert (status, body) == (404, b"Not Found\n")


@pytest.mark.parametrize("path", ["/console/..%2F..%2Fserving.py", "/console/..%2F..%2F..%2Fpyproject.toml",
                                  "/console/%2E%2E/%2E%2E/main.py"])
async def test_other_console_paths_never_read_a_file(client: GraphQLClient, path: str) -> None:
    # Outside assets/ the path names a client-side route: the answer is the console page, whatever it says.
    response = await client.http.get(path)
    assert response.status_code == 200
    assert response.content == INDEX


async def test_head_answers_the_headers_of_get_without_a_body(client: GraphQLClient) -> None:
    asset = referenced_assets(INDEX)[0]
    for path in ("/console/", "/console/orders/1", asset):
        got = await client.http.get(path)
        head = await client.http.head(path)
        assert head.status_code == 200, path
        assert head.content == b""
        for name in ("content-type", "content-length", "cache-control", "content-security-policy", "etag"):
            assert head.headers[name] == got.headers[name], (path, name)
    missing = await client.http.head("/console/assets/missing.js")
    assert missing.status_code == 404 and missing.content == b""


async def test_other_methods_are_refused_under_the_same_headers(client: GraphQLClient) -> None:
    for path in ("/console/", "/console/assets/missing.js"):
        response = await client.http.post(path, content=b"{}")
        assert response.status_code == 405
        assert response.headers["allow"] == "GET, HEAD"
        assert_strict_policy(response)


async def test_graphiql_is_the_local_page_and_graphql_still_executes(client: GraphQLClient) -> None:
    page = await client.http.get("/graphql", headers=HTML)
    assert page.status_code == 200
    assert page.content == GRAPHIQL
    assert page.headers["cache-control"] == "no-cache"
    assert_strict_policy(page)
    assert b"<title>GraphiQL" in page.content
    assert all(a.startswith("/console/assets/") for a in referenced_assets(page.content))
    assert (await client.http.get("/graphql", headers={"Accept": "*/*"})).content == GRAPHIQL
    assert await client.data("{ __typename }") == {"__typename": "Query"}
    by_get = await client.http.get("/graphql", params={"query": "{ __typename }"},
                                   headers={"Accept": "application/json"})
    assert by_get.status_code == 200 and by_get.json()["data"] == {"__typename": "Query"}


async def test_no_served_page_loads_anything_from_another_host(client: GraphQLClient) -> None:
    found = await crawl(client.http, {"/console/": HTML, "/console/orders/1": HTML, "/graphql": HTML})
    assert not found.failed, found.failed
    assert not found.external, found.external
    assert not found.inline, found.inline  # the policy would block it
    assets = {p for p in found.bodies if p.startswith("/console/assets/")}
    # Both entry scripts and what they import, dynamically too (GraphiQL's editor add-ons).
    assert len(assets) > len(referenced_assets(INDEX) + referenced_assets(GRAPHIQL))
    for path in assets:
        assert found.bodies[path] == (STATIC_DIR / "assets" / path.rsplit("/", 1)[1]).read_bytes()


async def test_production_serves_the_console_but_no_graphiql(database_url: str) -> None:
    settings = Settings(database_url=database_url, secret_key=TEST_SECRET, env="production", run_relay=False)
    async with running_client(settings) as production:
        console = await production.http.get("/console/orders/1", headers=HTML)
        assert console.status_code == 200 and console.content == INDEX
        assert_strict_policy(console)
        asset = await production.http.get(referenced_assets(INDEX)[0])
        assert asset.status_code == 200 and asset.headers["cache-control"] == ASSET_CACHE
        ide = await production.http.get("/graphql", headers=HTML)
        assert ide.status_code == 404
        assert b"graphiql" not in ide.content.lower()
        assert await production.data("{ __typename }") == {"__typename": "Query"}


async def test_an_unbuilt_console_answers_503_saying_how_to_build(tmp_path: Path) -> None:
    (tmp_path / "assets").mkdir()
    app = Starlette(routes=console_routes(tmp_path))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as http:
        for path in ("/console", "/console/", "/console/orders/1"):
            response = await http.get(path)
            assert response.status_code == 503
            assert response.headers["content-type"].startswith("text/plain")
            assert "npm run build" in response.text and "console/README.md" in response.text
            assert response.text.count("\n") == 1
            assert_strict_policy(response)
        assert (await http.get("/console/assets/console.js")).status_code == 404
    graphiql = graphiql_response(_request("/graphql"), tmp_path)
    assert graphiql.status_code == 503


async def raw_get(app: ASGIApp, path: str) -> tuple[int, bytes]:
    """GET `path` exactly as given (no normalisation) through the app; its status and body."""
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
             "scheme": "http", "path": path, "raw_path": path.encode(), "root_path": "", "query_string": b"",
             "headers": [(b"host", b"test")], "client": ("127.0.0.1", 50000), "server": ("test", 80)}
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    await app(scope, receive, send)
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    return status, b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")


def _request(path: str) -> Request:
    return Request({"type": "http", "method": "GET", "path": path, "headers": [], "query_string": b""})


def test_the_reference_reader_flags_loads_from_other_hosts_only() -> None:
    from tests.support.console import asset_references, is_external

    script = ('import{a as b}from"./jsx-runtime-X.js";import"//cdn.example/side.js";'
              'const c=()=>import(`https://cdn.example/lazy.js`);'
              'throw Error(`see https://react.dev/errors/`+e+" or import x from \'ws\'")')
    loads = asset_references("/console/assets/x.js", script)
    assert [r for r in loads if is_external(r)] == ["//cdn.example/side.js", "https://cdn.example/lazy.js"]
    assert "./jsx-runtime-X.js" in loads
    style = '@import "https://fonts.example/f.css";a{background:url(data:image/png;base64,AAAA)}b{x:url("/i.png")}'
    assert [r for r in asset_references("/x.css", style) if is_external(r)] == ["https://fonts.example/f.css"]
    references, inline = html_references('<script src="https://cdn.example/g.js"></script><script>x()</script>'
                                          '<div style="color:red" onclick="y()"></div><style>a{}</style>')
    assert references == ["https://cdn.example/g.js"] and len(inline) == 4
