"""Page arguments and cursors."""

from datetime import UTC, datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest

from app.loaders.products import ProductSort, ProductSortField
from app.pagination import PaginationError, cut_page, decode_cursor, encode_cursor, page_request

BY_PRICE = ProductSort(ProductSortField.PRICE).listing
NEWEST = ProductSort(ProductSortField.CREATED_AT, descending=True).listing


def test_defaults_to_a_forward_page_of_20() -> None:
    page = page_request(first=None, after=None, last=None, before=None, kind="k")
    assert (page.limit, page.cursor, page.backward) == (20, None, False)


def test_cursor_round_trips_and_is_bound_to_its_list() -> None:
    cursor = encode_cursor("product:NAME:asc", ["Tee", 7])
    assert decode_cursor(cursor, "product:NAME:asc") == ("Tee", 7)
    with pytest.raises(PaginationError, match="another list"):
        decode_cursor(cursor, "product:PRICE:asc")


@pytest.mark.parametrize("kwargs", [
    {"first": 101}, {"last": -1}, {"first": 1, "last": 1}, {"first": 1, "before": "x"},
    {"last": 1, "after": "x"}, {"first": 1, "after": "@@@"}, {"first": 1, "after": "x" * 2000},
])
def test_bad_arguments_are_refused_not_clamped(kwargs: dict) -> None:
    args = {"first": None, "after": None, "last": None, "before": None} | kwargs
    with pytest.raises(PaginationError):
        page_request(**args, kind="k")


def test_forward_page_flags() -> None:
    page = page_request(first=2, after=encode_cursor("k", [1]), last=None, before=None, kind="k")
    result = cut_page([1, 2, 3], page)
    assert (result.items, result.has_next, result.has_previous) == ([1, 2], True, True)


def test_backward_page_is_returned_in_display_order() -> None:
    page = page_request(first=None, after=None, last=2, before=None, kind="k")
    result = cut_page([9, 8, 7], page)  # fetched in reverse order, one extra
    assert (result.items, result.has_next, result.has_previous) == ([8, 9], False, True)


def test_a_listing_cursor_holds_amounts_and_moments_as_text_and_ids_as_numbers() -> None:
    assert BY_PRICE.cursor(SimpleNamespace(min_price=Decimal("19.90"), id=7)) == encode_cursor(
        "product:PRICE:asc", ["19.90", 7])
    moment = datetime(2030, 6, 1, 9, 30, tzinfo=UTC)
    assert NEWEST.cursor(SimpleNamespace(created_at=moment, id=7)) == encode_cursor(
        "product:CREATED_AT:desc", ["2030-06-01T09:30:00+00:00", 7])


@pytest.mark.parametrize("values", [["NaN", 1], ["1e20", 1], [19.9, 1], ["x", 1], ["19.90", True],
                                    ["19.90", -1], ["19.90"], ["19.90", 1, 2]])
async def test_forged_cursor_values_are_refused_before_any_statement(values: list[object]) -> None:
    request = BY_PRICE.request(first=1, after=encode_cursor(BY_PRICE.kind, values))
    with pytest.raises(PaginationError, match="The cursor is not valid."):
        await BY_PRICE.page(None, request)  # type: ignore[arg-type]  # refused before it needs a database
