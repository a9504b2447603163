"""Who may read what: the read policy beside `GRANTS`. Pure: no I/O.

Every root query, `node`/`nodes`, nested field that exposes another aggregate and subscription
(when subscribing, and again for every pushed event) asks these functions; a resolver never tests
`viewer.is_staff` itself. Rules are written in permissions of `GRANTS`, so the roles come from the
one action table:

| what is read | who reads it |
|---|---|
| an order and what hangs off it (lines, payment, fulfillments, return requests) | its customer; READ_ANY_ORDER (SUPPORT, FULFILLMENT, MANAGER, ADMIN) |
| every order's live updates (a subscription without orderId) | READ_ANY_ORDER |
| order and return lists | LIST_ORDERS (SUPPORT, FULFILLMENT, MANAGER, ADMIN) |
| a customer | the customer; READ_CUSTOMERS (SUPPORT, MANAGER, ADMIN: the "customers list" row) |
| a cart | its owner; a guest cart: whoever holds its unguessable id |
| warehouses, stock per warehouse | staff (any staff role); the summed quantityAvailable is public |
| an approval (its reason and evidence) | READ_ANY_ORDER or DECIDE_APPROVAL (SUPPORT, FULFILLMENT, MANAGER, ADMIN) |
| the approval list | DECIDE_APPROVAL (MANAGER, ADMIN) |
| audit events; auditVerify | READ_AUDIT (SUPPORT, MANAGER, ADMIN); VERIFY_AUDIT (ADMIN) |
| webhook endpoints and deliveries | MANAGE_INTEGRATIONS (ADMIN) |
| the sales report | READ_REPORTS (MERCHANDISER, MANAGER, ADMIN) |
| operational exceptions (list, node, live feed); systemHealth | READ_OPERATIONS (SUPPORT, FULFILLMENT, MANAGER, ADMIN) |
| released campaigns (ACTIVE, PAUSED, ENDED) | everyone |
| unreleased campaigns (DRAFT, SCHEDULED), codes not yet live | MANAGE_CATALOG or READ_REPORTS (MERCHANDISER, MANAGER, ADMIN) |
| categories, products, variants, channels, delivery methods, published collections | everyone |
| products not listed for shoppers (DRAFT, ARCHIVED, unpublished on the channel), unpublished collections | staff (any staff role) |

Choices:
- Approvals are staff-only, and what they say (reasons, evidence) concerns an order or one of its
  returns (every ApprovalAction names an EcommerceOrder or a ReturnRequest), so they are read by the
  staff who may read that order, plus those who decide them. A MERCHANDISER may request one (any
  staff may) but not read approvals back: catalog staff have no business with order disputes.
  Customers never read approvals, not even about their own order.
- Unreleased campaigns are for those who build them (MANAGE_CATALOG) and those who report on
  them (READ_REPORTS: the sales report is split by campaign). A SCHEDULED campaign already inside
  its window prices carts (the pricing rule: a campaign applies when ACTIVE or SCHEDULED), yet stays unreleased until
  it is moved to ACTIVE: shoppers see its discount in their totals, not the campaign or its code.
- A code is live once its campaign is released and its window has opened (startsAt passed or
  unset). An ACTIVE campaign announced ahead of its start shows, without its code.
- Reading a customer follows the "customers list" row, not order reading: FULFILLMENT reads the
  orders it ships (e-mail, address), not customer records.

How a denial shows: a root field that returns one object answers null, a root list of something
the viewer may not read at all is a PERMISSION_DENIED error; nested nullable fields answer null,
nested lists and lists that mix readable and unreadable items (campaigns, nodes) leave out what
the viewer may not read. A non-null nested field cannot be null: Fulfillment.order and
ReturnRequest.order are a PERMISSION_DENIED error at their path, and Fulfillment.warehouse
(non-null in the public contract) shows non-staff a placeholder without name or code. A
subscription refuses to start, and ends with PERMISSION_DENIED at the first event its viewer may
no longer read.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from app.domain.states import CampaignStatus
from app.policy.permissions import Permission, has_permission, is_staff


class Reader(Protocol):
    """Who reads: the viewer (app.auth.Viewer) or anything shaped like it."""

    @property
    def roles(self) -> frozenset[str]: ...

    @property
    def customer_id(self) -> int | None: ...


class Readable(StrEnum):
    ORDER = "ORDER"  # and its lines, payment, fulfillments, return requests
    EVERY_ORDER = "EVERY_ORDER"  # live updates of all orders
    ORDER_LIST = "ORDER_LIST"  # orders, returnRequests
    CUSTOMER = "CUSTOMER"
    CART = "CART"
    WAREHOUSE = "WAREHOUSE"
    STOCK = "STOCK"  # units per warehouse (no field shows them yet; quantityAvailable is a public total)
    APPROVAL = "APPROVAL"
    APPROVAL_LIST = "APPROVAL_LIST"
    AUDIT = "AUDIT"
    AUDIT_VERIFY = "AUDIT_VERIFY"
    WEBHOOK = "WEBHOOK"  # endpoints and the delivery log
    SALES_REPORT = "SALES_REPORT"
    CAMPAIGN = "CAMPAIGN"  # released campaigns and live codes
    UNRELEASED_CAMPAIGN = "UNRELEASED_CAMPAIGN"  # DRAFT and SCHEDULED campaigns, codes not yet live
    CATALOG = "CATALOG"  # categories, products, variants, channels, delivery methods, published collections
    # DRAFT, ARCHIVED, or unpublished on the viewer's channel; unpublished collections alike
    UNLISTED_PRODUCT = "UNLISTED_PRODUCT"
    OPERATIONAL_EXCEPTION = "OPERATIONAL_EXCEPTION"  # the exceptions queue, one by node, its live feed
    SYSTEM_HEALTH = "SYSTEM_HEALTH"


@dataclass(frozen=True, slots=True)
class ReadRule:
    permissions: frozenset[Permission] = frozenset()  # any one of them suffices
    staff: bool = False  # every staff role
    owner: bool = False  # the customer it belongs to
    guest_holder: bool = False  # without an owner: whoever holds its unguessable id
    everyone: bool = False  # anonymous callers included


def _any(*permissions: Permission) -> frozenset[Permission]:
    return frozenset(permissions)


P = Permission
READS: Mapping[Readable, ReadRule] = {
    Readable.ORDER: ReadRule(_any(P.READ_ANY_ORDER), owner=True),
    Readable.EVERY_ORDER: ReadRule(_any(P.READ_ANY_ORDER)),
    Readable.ORDER_LIST: ReadRule(_any(P.LIST_ORDERS)),
    Readable.CUSTOMER: ReadRule(_any(P.READ_CUSTOMERS), owner=True),
    Readable.CART: ReadRule(owner=True, guest_holder=True),
    Readable.WAREHOUSE: ReadRule(staff=True),
    Readable.STOCK: ReadRule(staff=True),
    Readable.APPROVAL: ReadRule(_any(P.READ_ANY_ORDER, P.DECIDE_APPROVAL)),
    Readable.APPROVAL_LIST: ReadRule(_any(P.DECIDE_APPROVAL)),
    Readable.AUDIT: ReadRule(_any(P.READ_AUDIT)),
    Readable.AUDIT_VERIFY: ReadRule(_any(P.VERIFY_AUDIT)),
    Readable.WEBHOOK: ReadRule(_any(P.MANAGE_INTEGRATIONS)),
    Readable.SALES_REPORT: ReadRule(_any(P.READ_REPORTS)),
    Readable.CAMPAIGN: ReadRule(everyone=True),
    Readable.UNRELEASED_CAMPAIGN: ReadRule(_any(P.MANAGE_CATALOG, P.READ_REPORTS)),
    Readable.CATALOG: ReadRule(everyone=True),
    Readable.UNLISTED_PRODUCT: ReadRule(staff=True),
    Readable.OPERATIONAL_EXCEPTION: ReadRule(_any(P.READ_OPERATIONS)),
    Readable.SYSTEM_HEALTH: ReadRule(_any(P.READ_OPERATIONS)),
}


def may_read(reader: Reader | None, what: Readable, *, owner_customer_id: int | None = None) -> bool:
    """Whether `reader` (None: an anonymous caller) may read `what`; `owner_customer_id` is the
    customer an owned object (order, cart, customer record) belongs to, None for a guest's."""
    rule = READS[what]
    if rule.everyone or (rule.guest_holder and owner_customer_id is None):
        return True
    if reader is None:
        return False
    if rule.owner and owner_customer_id is not None and reader.customer_id == owner_customer_id:
        return True
    if rule.staff and is_staff(reader.roles):
        return True
    return any(has_permission(reader.roles, p) for p in rule.permissions)


def may_read_order(reader: Reader | None, order_customer_id: int | None) -> bool:
    return may_read(reader, Readable.ORDER, owner_customer_id=order_customer_id)


def may_read_customer(reader: Reader | None, customer_id: int) -> bool:
    return may_read(reader, Readable.CUSTOMER, owner_customer_id=customer_id)


def may_read_cart(reader: Reader | None, cart_customer_id: int | None) -> bool:
    return may_read(reader, Readable.CART, owner_customer_id=cart_customer_id)


UNRELEASED = frozenset({CampaignStatus.DRAFT, CampaignStatus.SCHEDULED})


def may_read_campaign(reader: Reader | None, status: str) -> bool:
    if CampaignStatus(status) in UNRELEASED:
        return may_read(reader, Readable.UNRELEASED_CAMPAIGN)
    return may_read(reader, Readable.CAMPAIGN)


def readable_campaign_statuses(reader: Reader | None) -> frozenset[CampaignStatus]:
    """The statuses of the campaigns a list may show this reader."""
    if may_read(reader, Readable.UNRELEASED_CAMPAIGN):
        return frozenset(CampaignStatus)
    return frozenset(CampaignStatus) - UNRELEASED


def code_is_live(status: str, starts_at: datetime | None, now: datetime) -> bool:
    return CampaignStatus(status) not in UNRELEASED and (starts_at is None or starts_at <= now)


def may_read_campaign_code(reader: Reader | None, status: str, starts_at: datetime | None, now: datetime) -> bool:
    if code_is_live(status, starts_at, now):
        return may_read(reader, Readable.CAMPAIGN)
    return may_read(reader, Readable.UNRELEASED_CAMPAIGN)
