"""The Payments port and its built-in `test` gateway.

A gateway authorizes at checkout, captures at the first shipment, voids on cancel before capture
and refunds after. Real gateways plug in behind the same Protocol.
"""

import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol


@dataclass(frozen=True, slots=True)
class GatewayResult:
    ok: bool
    reference: str | None = None
    message: str = ""


class PaymentGateway(Protocol):
    name: str

    async def authorize(self, *, token: str, amount: Decimal, currency: str) -> GatewayResult: ...

    async def capture(self, *, reference: str, amount: Decimal, currency: str) -> GatewayResult: ...

    async def void(self, *, reference: str) -> GatewayResult: ...

    async def refund(self, *, reference: str, amount: Decimal, currency: str) -> GatewayResult: ...


class TestGateway:
    """Authorizes any token but `tok_decline`; every other operation succeeds."""

    __test__ = False  # not a pytest test class
    name = "test"
    DECLINE_TOKEN = "tok_decline"

    async def authorize(self, *, token: str, amount: Decimal, currency: str) -> GatewayResult:
        if token == self.DECLINE_TOKEN:
            return GatewayResult(False, message="The card was declined.")
        return GatewayResult(True, reference=f"test_{uuid.uuid4().hex}")

    async def capture(self, *, reference: str, amount: Decimal, currency: str) -> GatewayResult:
        return GatewayResult(True, reference=reference)

    async def void(self, *, reference: str) -> GatewayResult:
        return GatewayResult(True, reference=reference)

    async def refund(self, *, reference: str, amount: Decimal, currency: str) -> GatewayResult:
        return GatewayResult(True, reference=f"{reference}_refund_{uuid.uuid4().hex[:8]}")


class Gateways:
    """The configured gateways by name."""

    def __init__(self, gateways: list[PaymentGateway] | None = None) -> None:
        self._by_name = {g.name: g for g in (gateways or [TestGateway()])}

    def get(self, name: str) -> PaymentGateway | None:
        return self._by_name.get(name)
