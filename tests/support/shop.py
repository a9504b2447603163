"""A small store and a shopper's journey through the API, shared by the cart and order tests."""

from dataclasses import dataclass, field
from typing import Any

from app.ids import encode_id
from app.policy.permissions import Role
from tests.support import factory
from tests.support.client import GraphQLClient

CART_FIELDS = """
id status email updatedAt promoCodeApplied
channel { slug }
lines { id quantity unitPrice { amount } total { amount } variant { id sku } }
campaign { name code }
subtotal { amount } discount { amount } shipping { amount } total { amount }
shippingAddress { name line1 city postalCode country }
deliveryMethod { id name }
availableDeliveryMethods { id name price { amount } }
problems { code message field }
"""
CART_PAYLOAD = f"cart {{ {CART_FIELDS} }} userErrors {{ code message field }}"

CART_CREATE = f"mutation($input: CartCreateInput!) {{ cartCreate(input: $input) {{ {CART_PAYLOAD} }} }}"
CART_LINES_ADD = f"mutation($input: CartLinesAddInput!) {{ cartLinesAdd(input: $input) {{ {CART_PAYLOAD} }} }}"
CART_LINES_UPDATE = (f"mutation($input: CartLinesUpdateInput!) {{ cartLinesUpdate(input: $input) "
                     f"{{ {CART_PAYLOAD} }} }}")
CART_LINES_REMOVE = (f"mutation($input: CartLinesRemoveInput!) {{ cartLinesRemove(input: $input) "
                     f"{{ {CART_PAYLOAD} }} }}")
CART_PROMO = (f"mutation($input: CartPromoCodeInput!) {{ cartPromoCodeApply(input: $input) "
              f"{{ {CART_PAYLOAD} }} }}")
CART_DELIVERY = (f"mutation($input: CartDeliveryInput!) {{ cartDeliveryUpdate(input: $input) "
                 f"{{ {CART_PAYLOAD} }} }}")
CART_QUERY = f"query($id: ID!) {{ cart(id: $id) {{ {CART_FIELDS} }} }}"
ORDER_FIELDS = """
id number status paymentStatus availableTransitions email createdAt
channel { slug } campaign { name }
lines { id productName sku quantity quantityFulfilled quantityReturned unitPrice { amount } total { amount }
        variant { sku } }
subtotal { amount } discount { amount } shipping { amount } total { amount }
shippingAddress { name city country }
"""
CHECKOUT = (f"mutation($input: CheckoutCompleteInput!) {{ checkoutComplete(input: $input) "
            f"{{ order {{ {ORDER_FIELDS} }} userErrors {{ code message field }} }} }}")
ORDER_QUERY = f"query($id: ID!) {{ order(id: $id) {{ {ORDER_FIELDS} }} }}"
ADDRESS = {"name": "Ann Shopper", "line1": "1 Main St", "city": "Springfield", "postalCode": "12345",
           "country": "us"}


@dataclass
class Shop:
    client: GraphQLClient
    warehouse: int
    channel: str
    variants: dict[str, int]  # sku -> variant id
    products: dict[str, int]
    standard: int  # delivery method ids
    express: int
    tokens: dict[str, str] = field(default_factory=dict)

    def variant_gid(self, sku: str) -> str:
        return encode_id("ProductVariant", self.variants[sku])

    async def create_cart(self, lines: dict[str, int] | None = None, *, token: str | None = None,
                          **extra: Any) -> dict[str, Any]:
        payload = await self.client.data(CART_CREATE, {"input": {
            "channel": self.channel, "lines": [{"variantId": self.variant_gid(s), "quantity": q}
                                               for s, q in (lines or {}).items()], **extra}}, token=token)
        return payload["cartCreate"]  # type: ignore[no-any-return]

    async def ready_cart(self, lines: dict[str, int], *, token: str | None = None, **extra: Any) -> str:
        """A cart with lines, e-mail, address and standard delivery: ready for checkout."""
        created = await self.create_cart(lines, token=token, email="ann@example.com", **extra)
        assert created["userErrors"] == [], created["userErrors"]
        cart_id = created["cart"]["id"]
        delivered = await self.client.data(CART_DELIVERY, {"input": {
            "cartId": cart_id, "shippingAddress": ADDRESS,
            "deliveryMethodId": encode_id("DeliveryMethod", self.standard)}}, token=token)
        assert delivered["cartDeliveryUpdate"]["userErrors"] == []
        return cart_id  # type: ignore[no-any-return]

    async def checkout(self, cart_id: str, *, key: str, token: str | None = None,
                       card: str = "tok_visa") -> dict[str, Any]:
        payload = await self.client.data(CHECKOUT, {"input": {
            "cartId": cart_id, "payment": {"gateway": "test", "token": card}, "idempotencyKey": key}}, token=token)
        return payload["checkoutComplete"]  # type: ignore[no-any-return]

    async def order(self, cart: dict[str, int], *, key: str, token: str | None = None) -> dict[str, Any]:
        cart_id = await self.ready_cart(cart, token=token)
        result = await self.checkout(cart_id, key=key, token=token)
        assert result["userErrors"] == [], result["userErrors"]
        return result["order"]  # type: ignore[no-any-return]

    async def token(self, email: str, role: Role) -> str:
        if email not in self.tokens:
            viewer = await factory.make_user(self.client.db, email, role)
            self.tokens[email] = self.client.token_for(viewer)
        return self.tokens[email]


async def build_shop(client: GraphQLClient) -> Shop:
    """Channel web; a tee (20.00, 10 units), boots (100.00, 3 units), socks (5.00, none in stock);
    Standard (5.00) and Express (15.00) delivery."""
    from decimal import Decimal

    from app.services import store
    from tests.support.factory import uow

    db = client.db
    warehouse = await factory.make_warehouse(db, "MAIN")
    await factory.make_channel(db, "web")
    await factory.make_channel(db, "mobile")
    products = {
        "tee": await factory.make_product(db, "Tee", prices=("20.00",), stock={warehouse: 10}),
        "boots": await factory.make_product(db, "Boots", prices=("100.00",), stock={warehouse: 3}),
        "socks": await factory.make_product(db, "Socks", prices=("5.00",), stock={}),
    }
    async with uow(db) as work:
        standard = (await store.create_delivery_method(uow=work, name="Standard", price=Decimal("5.00"),
                                                       channels=None)).id
    async with uow(db) as work:
        express = (await store.create_delivery_method(uow=work, name="Express", price=Decimal("15.00"),
                                                      channels=["web"])).id
    variants = {"TEE-0": 0, "BOOTS-0": 0, "SOCKS-0": 0}
    async with db.read() as conn:
        from sqlalchemy import select

        from models import ProductVariant
        for sku, vid in (await conn.execute(select(ProductVariant.sku, ProductVariant.id))).all():
            variants[sku] = vid
    return Shop(client, warehouse, "web", variants, products, standard, express)

FULFILLMENT_FIELDS = "id status carrier trackingNumber warehouse { code } lines { quantity orderLine { sku } }"
FULFILLMENT_CREATE = ("mutation($input: FulfillmentCreateInput!) { fulfillmentCreate(input: $input) "
                      f"{{ fulfillment {{ {FULFILLMENT_FIELDS} }} userErrors {{ code message field }} }} }}")
FULFILLMENT_UPDATE = ("mutation($input: FulfillmentUpdateInput!) { fulfillmentUpdate(input: $input) "
                      f"{{ fulfillment {{ {FULFILLMENT_FIELDS} }} userErrors {{ code message field }} }} }}")
ORDER_CANCEL = ("mutation($input: OrderCancelInput!) { orderCancel(input: $input) "
                "{ order { id status paymentStatus } userErrors { code message field } } }")
RETURN_FIELDS = "id status reason refundAmount { amount } lines { quantity orderLine { sku } } approval { id }"
RETURN_CREATE = ("mutation($input: ReturnRequestCreateInput!) { returnRequestCreate(input: $input) "
                 f"{{ returnRequest {{ {RETURN_FIELDS} }} userErrors {{ code message field }} }} }}")


def return_decision(name: str) -> str:
    return (f"mutation($input: ReturnRequestDecisionInput!) {{ {name}(input: $input) "
            f"{{ returnRequest {{ {RETURN_FIELDS} }} userErrors {{ code message field }} }} }}")


APPROVAL_FIELDS = "id action subjectId status reason requestedBy decidedBy evidence consumedAt"
APPROVAL_CREATE = ("mutation($input: ApprovalRequestCreateInput!) { approvalRequestCreate(input: $input) "
                   f"{{ approvalRequest {{ {APPROVAL_FIELDS} }} userErrors {{ code message field }} }} }}")
APPROVAL_DECIDE = ("mutation($input: ApprovalRequestDecideInput!) { approvalRequestDecide(input: $input) "
                   f"{{ approvalRequest {{ {APPROVAL_FIELDS} }} userErrors {{ code message field }} }} }}")
