"""What a shopper types into the product search, read once and written out for each database.

The text is read the way web search engines (and PostgreSQL's `websearch_to_tsquery`) read it:
words must all match, `"a quoted phrase"` matches those words in a row, `or` between two terms lets
either match, and `-word` (or `-"a phrase"`) excludes the products that have it. The last word,
when the text does not end with a space, also matches as the start of a longer word, so that a
search-as-you-type box finds "alpine" from "alp" (a whole-word match still ranks higher). A word
with a digit in it is a code (an SKU, a model number) and only matches whole: "TR-42" finds TR-42,
not TR-420.

Every term is handed to the database as a quoted string, never as query syntax of its own: the
database's tokenizer splits it into words as it split the indexed text (an SKU such as
`SKU-000012-M` or `TR-42` becomes a phrase of its parts), and no character a shopper types (quotes,
`*`, `:`, `^`, parentheses, `&`, `|`, `!`, `<->`, `NEAR`, `AND`) can be read as an operator.
"""

import re
from dataclasses import dataclass

# A term: an optional '-', then a quoted phrase (the closing quote may be missing) or a bare word.
_TERM = re.compile(r'(-?)(?:"([^"]*)"?|([^\s"]+))')
PREFIX_MIN = 2  # fewest letters of a last word that also matches as a prefix


@dataclass(frozen=True, slots=True)
class Term:
    text: str
    prefix: bool = False  # also matches words that start with its last word

    def fts5(self) -> str:
        """An FTS5 string: inside double quotes everything but a doubled quote is text."""
        quoted = '"' + self.text.replace('"', '""') + '"'
        return f"({quoted} OR {quoted} *)" if self.prefix else quoted

    def tsquery(self) -> str:
        """A tsquery operand: quoted, with quotes and backslashes doubled; to_tsquery parses the text."""
        quoted = "'" + self.text.replace("\\", "\\\\").replace("'", "''") + "'"
        return f"({quoted} | {quoted}:*)" if self.prefix else quoted


@dataclass(frozen=True, slots=True)
class SearchQuery:
    """Every group must match (a group of several terms: any of them), and no excluded term may."""

    groups: tuple[tuple[Term, ...], ...]
    excluded: tuple[Term, ...] = ()

    def fts5(self) -> str:
        """The FTS5 MATCH expression (NOT binds tighter than AND, AND tighter than OR)."""
        found = " AND ".join(g[0].fts5() if len(g) == 1 else "(" + " OR ".join(t.fts5() for t in g) + ")"
                             for g in self.groups)
        if self.excluded:
            found = f"({found}) NOT ({' OR '.join(term.fts5() for term in self.excluded)})"
        return found

    def tsquery(self) -> str:
        """The PostgreSQL tsquery text, for to_tsquery('simple', ...)."""
        parts = [g[0].tsquery() if len(g) == 1 else "(" + " | ".join(t.tsquery() for t in g) + ")"
                 for g in self.groups]
        parts += [f"!{term.tsquery()}" for term in self.excluded]
        return " & ".join(parts)


def _has_word(text: str) -> bool:
    """Whether a tokenizer finds a word in it (letters or digits); punctuation alone matches nothing."""
    return any(ch.isalnum() for ch in text)


def parse_search(text: str) -> SearchQuery | None:
    """The query a search text asks for; None when it holds no word to look for (only punctuation,
    or only exclusions), which matches no product."""
    items: list[tuple[str, bool, bool]] = []  # (text, excluded, quoted)
    for match in _TERM.finditer(text):
        minus, phrase, word = match.group(1), match.group(2), match.group(3)
        items.append((phrase if phrase is not None else word, minus == "-", phrase is not None))
    groups: list[list[Term]] = []
    excluded: list[Term] = []
    join_next = False
    last_index = len(items) - 1
    for i, (item, negated, quoted) in enumerate(items):
        if not quoted and not negated and item.lower() == "or":
            join_next = bool(groups)  # between two terms; a leading or trailing "or" is ignored
            continue
        if not _has_word(item):
            continue
        prefix = (i == last_index and not quoted and not negated and not text[-1:].isspace()
                  and sum(ch.isalpha() for ch in item) >= PREFIX_MIN and not any(ch.isdigit() for ch in item))
        term = Term(item, prefix=prefix)
        if negated:
            excluded.append(term)
        elif join_next:
            groups[-1].append(term)
        else:
            groups.append([term])
        join_next = False
    if not groups:
        return None
    return SearchQuery(tuple(tuple(g) for g in groups), tuple(excluded))
