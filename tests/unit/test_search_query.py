"""Reading a search text: terms, phrases, alternatives, exclusions, the last word as a prefix, and
quoting for FTS5 and tsquery (no character a shopper types becomes query syntax)."""

import pytest

from app.domain.search import SearchQuery, Term, parse_search


@pytest.mark.parametrize(("text", "fts5", "tsquery"), [
    ("alpine tee", '"alpine" AND ("tee" OR "tee" *)', "'alpine' & ('tee' | 'tee':*)"),
    ("alpine tee ", '"alpine" AND "tee"', "'alpine' & 'tee'"),
    ("TR-42", '"TR-42"', "'TR-42'"),  # a code: whole only
    ("x", '"x"', "'x'"),  # one letter: no prefix
    ('"for the trail"', '"for the trail"', "'for the trail'"),
    ("vest or tent ", '("vest" OR "tent")', "('vest' | 'tent')"),
    ("mug -cedar -\"red mug\"", '("mug") NOT ("cedar" OR "red mug")', "'mug' & !'cedar' & !'red mug'"),
    ("or mug or", '"mug"', "'mug'"),  # a leading or trailing "or" joins nothing
    ('say "hi', '"say" AND "hi"', "'say' & 'hi'"),  # an unclosed quote runs to the end
])
def test_texts_become_quoted_queries(text: str, fts5: str, tsquery: str) -> None:
    query = parse_search(text)
    assert query is not None
    assert (query.fts5(), query.tsquery()) == (fts5, tsquery)


@pytest.mark.parametrize("text", ["", "   ", "%", "***", "-granite", "- -", '""', "or", "( ) : *"])
def test_a_text_without_a_word_to_look_for_is_no_query(text: str) -> None:
    assert parse_search(text) is None


def test_quotes_and_backslashes_are_escaped_for_each_database() -> None:
    query = SearchQuery(((Term('say "it\'s" a\\b'),),))
    assert query.fts5() == '"say ""it\'s"" a\\b"'
    assert query.tsquery() == "'say \"it''s\" a\\\\b'"


@pytest.mark.parametrize("operator", ["AND", "NOT", "NEAR(a b)", "name:x", "^x", "x*", "a:*", "(a)", "!a", "a<->b"])
def test_operators_typed_by_a_shopper_stay_inside_quotes(operator: str) -> None:
    query = parse_search(f"granite {operator} ")
    assert query is not None
    assert query.fts5() == " AND ".join(f'"{part}"' for part in f"granite {operator}".split())
