"""SQLAlchemy 2.0 mapped classes; migrations live in models/migrations (Alembic)."""

from models.account import Customer, RefreshToken, User
from models.audit import AuditEvent, OutboxEvent, OutboxSubjectSequence
from models.base import Base
from models.campaign import Campaign, campaign_channels, campaign_products
from models.cart import Cart, CartLine
from models.catalog import (
    Category,
    Collection,
    Product,
    ProductChannelListing,
    ProductMedia,
    ProductVariant,
    VariantOption,
    collection_products,
)
from models.channel import Channel, DeliveryMethod, Warehouse, delivery_method_channels
from models.exceptions import OperationalException
from models.fulfillment import Fulfillment, FulfillmentLine
from models.idempotency import IdempotencyKey
from models.inventory import Stock
from models.order import Allocation, EcommerceOrder, OrderLine, Payment
from models.returns import ApprovalRequest, ReturnLine, ReturnRequest
from models.webhooks import InboundWebhook, WebhookAttempt, WebhookDelivery, WebhookEndpoint

__all__ = [
    "Allocation",
    "ApprovalRequest",
    "AuditEvent",
    "Base",
    "Campaign",
    "Cart",
    "CartLine",
    "Category",
    "Channel",
    "Collection",
    "Customer",
    "DeliveryMethod",
    "EcommerceOrder",
    "Fulfillment",
    "FulfillmentLine",
    "IdempotencyKey",
    "InboundWebhook",
    "OperationalException",
    "OrderLine",
    "OutboxEvent",
    "OutboxSubjectSequence",
    "Payment",
    "Product",
    "ProductChannelListing",
    "ProductMedia",
    "ProductVariant",
    "RefreshToken",
    "ReturnLine",
    "ReturnRequest",
    "Stock",
    "User",
    "VariantOption",
    "Warehouse",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEndpoint",
    "campaign_channels",
    "campaign_products",
    "collection_products",
    "delivery_method_channels",
]
