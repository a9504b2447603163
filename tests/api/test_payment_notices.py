"""Signed payment notices are input like any other: an amount that is not a finite, positive sum
in whole cents, within what the notice may move on the payment and in its currency, is refused
with 422 and its code, changes nothing, and is kept in the audit trail."""

import time
import uuid
from decimal import Decimal
from typing import Any

import orjson
import pytest
from sqlalchemy import select

from app.integrations.signatures import signed_headers
from app.settings import Settings
from models import AuditEvent, Payment
from tests.api.test_order_lifecycle import (
    Crew,
    crew,  # noqa: F401 - fixture
    pk,
    shipment,
    shop,  # noqa: F401 - fixture
)
from tests.conftest import TEST_SECRET
from tests.support.client import GraphQLClient
from tests.support.shop import Shop

SECRET = "whsec_" + "notices" * 4


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, secret_key=TEST_SECRET, env="development", run_relay=False,
                    payments_webhook_secret=SECRET)


async def notify(client: GraphQLClient, event: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    body = orjson.dumps(event)
    response = await client.http.post("/webhooks/payments/test", content=body,
                                      headers=signed_headers(SECRET, f"msg_{uuid.uuid4().hex}", int(time.time()),
                                                             body))
    return response.status_code, response.json()


async def payment_of(client: GraphQLClient, order: dict[str, Any]) -> Any:
    async with client.db.read() as conn:
        return (await conn.execute(select(Payment.reference, Payment.status, Payment.captured_amount,
                                          Payment.refunded_amount).where(Payment.order_id == pk(order["id"])))).one()


async def captured_order(shop: Shop, crew: Crew) -> dict[str, Any]:
    """Ann's order of two tees (45.00 with shipping), shipped: its payment is captured."""
    order = await shop.order({"TEE-0": 2}, key=uuid.uuid4().hex, token=crew.ann)
    await shipment(shop.client, crew, order, "PICKED", "SHIPPED")
    return order


BAD_AMOUNTS = {
    "negative": "-100", "infinite": "Infinity", "not a number": "NaN", "signalling nan": "sNaN",
    "zero": "0", "sub-cent": "1.005", "more than captured": "45.01", "a float": 12.5, "a boolean": True,
    "an object": {"value": "1"}, "not numeric": "ten", "huge": "9" * 4000, "exponent": "1E+999999",
    "rounded away": "9.999999999999999999999999999999", "underscores": "1_0.00", "arabic-indic digits": "١٠",
    "spaces": " 10.00", "plus sign": "+10.00",
}


@pytest.mark.parametrize("case", BAD_AMOUNTS)
async def test_a_refund_notice_with_an_amount_that_does_not_fit_is_refused_and_changes_nothing(
        client: GraphQLClient, shop: Shop, crew: Crew, case: str) -> None:
    order = await captured_order(shop, crew)
    before = await payment_of(client, order)

    status, body = await notify(client, {"type": "payment.refunded", "reference": before.reference,
                                         "amount": BAD_AMOUNTS[case], "currency": "USD"})

    assert status == 422
    assert [e["code"] for e in body["errors"]] == ["INVALID"]
    assert await payment_of(client, order) == before
    async with client.db.read() as conn:
        refused = (await conn.execute(select(AuditEvent.subject_id, AuditEvent.data)
                                      .where(AuditEvent.action == "integration.notice_refused"))).all()
    assert [subject for subject, _ in refused] == ["payments:test"]
    assert "amount" in refused[0].data


async def test_a_notice_in_another_currency_is_refused(client: GraphQLClient, shop: Shop, crew: Crew) -> None:
    order = await captured_order(shop, crew)
    before = await payment_of(client, order)
    for currency in ("EUR", None):
        status, body = await notify(client, {"type": "payment.refunded", "reference": before.reference,
                                             "amount": "10.00", "currency": currency})
        assert (status, body["errors"][0]["field"]) == (422, ["currency"])
    assert await payment_of(client, order) == before


async def test_refund_notices_add_up_to_the_capture_and_no_further(client: GraphQLClient, shop: Shop,
                                                                 crew: Crew) -> None:
    order = await captured_order(shop, crew)
    reference = (await payment_of(client, order)).reference

    status, _ = await notify(client, {"type": "payment.refunded", "reference": reference, "amount": "30.00",
                                      "currency": "USD"})
    assert status == 200
    status, body = await notify(client, {"type": "payment.refunded", "reference": reference, "amount": "15.01",
                                         "currency": "USD"})
    assert (status, body["errors"][0]["code"]) == (422, "INVALID")
    after = await payment_of(client, order)
    assert (after.status, after.refunded_amount) == ("PARTIALLY_REFUNDED", Decimal("30.00"))

    status, _ = await notify(client, {"type": "payment.refunded", "reference": reference, "amount": "15.00",
                                      "currency": "USD"})
    assert status == 200
    after = await payment_of(client, order)
    assert (after.status, after.refunded_amount) == ("REFUNDED", Decimal("45.00"))


async def test_a_refund_notice_for_a_payment_not_captured_is_refused(client: GraphQLClient, shop: Shop,
                                                                     crew: Crew) -> None:
    order = await shop.order({"TEE-0": 1}, key=uuid.uuid4().hex, token=crew.ann)
    before = await payment_of(client, order)
    status, body = await notify(client, {"type": "payment.refunded", "reference": before.reference,
                                         "amount": "1.00", "currency": "USD"})
    assert (status, body["errors"][0]["code"]) == (422, "INVALID_TRANSITION")
    assert await payment_of(client, order) == before


async def test_a_capture_notice_may_not_capture_more_than_was_authorized(client: GraphQLClient, shop: Shop,
                                                                         crew: Crew) -> None:
    order = await shop.order({"TEE-0": 1}, key=uuid.uuid4().hex, token=crew.ann)
    before = await payment_of(client, order)
    status, _ = await notify(client, {"type": "payment.captured", "reference": before.reference,
                                      "amount": "25.01", "currency": "USD"})
    assert status == 422
    assert await payment_of(client, order) == before
    status, _ = await notify(client, {"type": "payment.captured", "reference": before.reference,
                                      "amount": "25.00", "currency": "USD"})
    assert status == 200
    after = await payment_of(client, order)
    assert (after.status, after.captured_amount) == ("CAPTURED", Decimal("25.00"))
