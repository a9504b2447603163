"""Global ids and input bounds."""

from decimal import Decimal

import pytest

from app.domain.errors import ErrorCode
from app.domain.validation import Checker, slugify
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
    check.at("variants", 1).amount(Decimal("-1"), "price", label="Price")
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
