"""Global ids and input bounds."""

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from app.domain.errors import ErrorCode
from app.domain.validation import Checker, parse_moment, slugify, text_problem, utc_moment
from app.ids import decode_id, decode_int_id, encode_id


def test_global_ids_round_trip_and_reject_other_types() -> None:
    gid = encode_id("Product", 42)
    assert decode_id(gid) == ("Product", "42")
    assert decode_int_id(gid, "Product") == 42
    assert decode_int_id(gid, "Category") is None
    assert decode_int_id("%%%", "Product") is None
    assert decode_int_id(encode_id("Product", "abc"), "Product") is None


def test_checker_collects_every_problem_with_nested_paths() -> None:
    check = Checker()
    check.text("  ", "name", label="Name", max_length=10, required=True)
    check.at("variants", 1).amount(Decimal(-1), "price", label="Price")
    check.at("variants", 2).text("a\x00b", "sku", label="SKU", max_length=10)
    assert [(p.code, p.field) for p in check.problems] == [
        (ErrorCode.REQUIRED, ("input", "name")),
        (ErrorCode.INVALID, ("input", "variants", "1", "price")),
        (ErrorCode.INVALID, ("input", "variants", "2", "sku")),
    ]


@pytest.mark.parametrize(("value", "ok"), [("1.5", True), ("0", True), ("1.234", False), ("-0.01", False),
                                           ("NaN", False), ("100000000", False)])
def test_amounts(value: str, ok: bool) -> None:
    check = Checker()
    check.amount(Decimal(value), "price", label="Price")
    assert (not check.problems) is ok


def test_slugify() -> None:
    assert slugify("  Trail Runner 42 / Blue! ") == "trail-runner-42-blue"
    assert slugify("!!!") == "item"


@pytest.mark.parametrize(("value", "single_line_ok", "multi_line_ok"), [
    ("Trail Runner 42", True, True),
    ("\u05e9\u05dc\u05d5\u05dd\u200f", True, True),  # right-to-left marks are kept
    ("two\nlines\ttabbed\r\n", False, True),
    ("bell\x07", False, False), ("del\x7f", False, False), ("c1\x85", False, False),
    ("nul\x00", False, False), ("lone\ud800", False, False), ("\udfff trailing", False, False),
    ("over\u202eride", False, False), ("embed\u202a", False, False), ("isolate\u2066", False, False),
    ("line\u2028separator", False, True),
])
def test_text_never_holds_surrogates_controls_or_direction_overrides(value: str, single_line_ok: bool,
                                                                     multi_line_ok: bool) -> None:
    assert (text_problem(value) is None) is single_line_ok
    assert (text_problem(value, multiline=True) is None) is multi_line_ok


@pytest.mark.parametrize(("text", "expected"), [
    ("2030-06-01T09:30:00+02:00", datetime(2030, 6, 1, 7, 30, tzinfo=UTC)),
    ("2030-06-01t09:30z", datetime(2030, 6, 1, 9, 30, tzinfo=UTC)),
    ("2030-06-01 09:30:00.5", datetime(2030, 6, 1, 9, 30, 0, 500000, tzinfo=UTC)),
    ("0001-01-01T00:00:00+14:00", datetime.min.replace(tzinfo=UTC)),  # before year 1 in UTC: held at the edge
    ("9999-12-31T23:59:59-14:00", datetime.max.replace(tzinfo=UTC)),
])
def test_moments_parse_strictly_into_utc(text: str, expected: datetime) -> None:
    assert parse_moment(text) == expected


@pytest.mark.parametrize("text", ["2030-06-01", "2030-06-01T25:00:00Z", "2030-02-30T00:00:00Z", "tomorrow",
                                  "0000-01-01T00:00:00Z", "2030-06-01T00:00:00+24:00", "2030-W22-1T00:00:00Z"])
def test_unreadable_moments_are_value_errors(text: str) -> None:
    with pytest.raises(ValueError, match="must be"):
        parse_moment(text)


@pytest.mark.parametrize(("value", "kept"), [
    (datetime(1900, 1, 1, tzinfo=UTC), True), (datetime(2200, 12, 31, 23, 59, tzinfo=UTC), True),
    (datetime(1899, 12, 31, 23, 59, tzinfo=UTC), False), (datetime(2201, 1, 1, tzinfo=UTC), False),
    (datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=14))), False),  # would overflow converting to UTC
    (datetime(9999, 12, 31, 23, 59, tzinfo=timezone(-timedelta(hours=14))), False),
    (datetime(1899, 12, 31, 20, tzinfo=timezone(-timedelta(hours=5))), True),  # 1900 in UTC
    (datetime(2030, 1, 1), True),  # naive: UTC
])
def test_moments_are_bounded_to_the_years_1900_to_2200(value: datetime, kept: bool) -> None:
    assert (utc_moment(value) is not None) is kept
    check = Checker()
    check.moment(value, "startsAt")
    assert [(p.code, p.field) for p in check.problems] == ([] if kept else [(ErrorCode.INVALID, ("input", "startsAt"))])
