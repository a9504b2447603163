"""Reading what the console's pages load: every src/href of the HTML, CSS url(...) and @import, and
JS module specifiers (static `from "..."`, side-effect `import "..."`, dynamic `import("...")`).
Plain URL strings inside scripts (links, namespaces, error-page addresses) are not loads and are
not read."""

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import httpx

# A module specifier as bundlers write them: no whitespace, quotes, parentheses or template holes.
SPECIFIER = r"""([^"'`\s()\\${}]{1,300})"""
JS_LOADS = (
    re.compile(r"""\bfrom\s*(["'`])""" + SPECIFIER + r"\1"),
    re.compile(r"""\bimport\s*(["'`])""" + SPECIFIER + r"\1"),
    re.compile(r"""\bimport\s*\(\s*(["'`])""" + SPECIFIER + r"""\1\s*\)"""),
)
CSS_LOADS = (
    re.compile(r"""url\(\s*(["']?)([^"')]*)\1\s*\)"""),
    re.compile(r"""@import\s+(["'])([^"']*)\1"""),
)
URL_ATTRIBUTES = {"src", "href", "srcset", "action", "formaction", "poster", "data", "manifest"}
SCHEME_RE = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


class PageParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.references: list[str] = []
        self.inline: list[str] = []  # what a CSP without 'unsafe-inline' would block
        self._open_script: bool = False
        self._script_has_src = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for name, value in attrs:
            if value is None:
                continue
            if name in URL_ATTRIBUTES:
                urls = [part.split()[0] for part in value.split(",") if part.strip()] if name == "srcset" \
                    else [value]
                self.references.extend(url.strip() for url in urls)
            if name.startswith("on") or name == "style":
                self.inline.append(f"<{tag} {name}=...>")
        if tag == "style":
            self.inline.append("<style>")
        if tag == "script":
            self._open_script, self._script_has_src = True, bool(values.get("src"))

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._open_script = False

    def handle_data(self, data: str) -> None:
        if self._open_script and not self._script_has_src and data.strip():
            self.inline.append("<script> with inline code")


def is_external(reference: str) -> bool:
    """True for anything a browser would fetch from another host: an absolute URL with a scheme
    (http:, https:, ws:, ...; data: is not a load from anywhere) or a protocol-relative //host."""
    reference = reference.strip()
    if reference.startswith(("//", "\\\\")):  # browsers read a leading \\ in a URL as //
        return True
    return bool(SCHEME_RE.match(reference)) and not reference.lower().startswith("data:")


def is_relative(reference: str) -> bool:
    return reference.startswith(("/", "./", "../")) and not reference.startswith("//")


def html_references(html: str) -> tuple[list[str], list[str]]:
    parser = PageParser()
    parser.feed(html)
    parser.close()
    return parser.references, parser.inline


def asset_references(path: str, text: str) -> list[str]:
    patterns = CSS_LOADS if path.endswith(".css") else JS_LOADS if path.endswith((".js", ".mjs")) else ()
    return [match.group(2) for pattern in patterns for match in pattern.finditer(text)]


@dataclass
class Crawl:
    """Every same-origin file the pages load, by path, and what each loads from another host."""

    bodies: dict[str, bytes] = field(default_factory=dict)
    external: list[tuple[str, str]] = field(default_factory=list)
    inline: list[tuple[str, str]] = field(default_factory=list)
    failed: list[tuple[str, int]] = field(default_factory=list)


async def crawl(http: httpx.AsyncClient, pages: dict[str, dict[str, str]]) -> Crawl:
    """GET each page (path -> request headers), then every file they load, transitively."""
    base = str(http.base_url).rstrip("/")
    origin = urlsplit(base).netloc
    result = Crawl()
    queue: list[tuple[str, dict[str, str]]] = list(pages.items())
    while queue:
        path, headers = queue.pop()
        if path in result.bodies:
            continue
        response = await http.get(path, headers=headers)
        result.bodies[path] = response.content
        if response.status_code != 200:
            result.failed.append((path, response.status_code))
            continue
        text = response.content.decode("utf-8", "replace")
        if response.headers.get("content-type", "").startswith("text/html"):
            references, inline = html_references(text)
            result.inline.extend((path, what) for what in inline)
        else:
            references = asset_references(path, text)
        for reference in references:
            if is_external(reference):
                result.external.append((path, reference))
                continue
            if not is_relative(reference):
                continue  # data: URLs; bare words matched inside strings of a bundle
            target = urlsplit(urljoin(base + path, reference))
            if target.netloc != origin:
                result.external.append((path, reference))
                continue
            queue.append((target.path, {}))
    return result
