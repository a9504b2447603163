"""Who may do what. Pure: decisions only, no I/O. Who may read what is
the read policy beside this table: app/policy/reads.py."""

from collections.abc import Iterable
from enum import StrEnum


class Role(StrEnum):
    CUSTOMER = "CUSTOMER"
    SUPPORT = "SUPPORT"
    MERCHANDISER = "MERCHANDISER"
    FULFILLMENT = "FULFILLMENT"
    MANAGER = "MANAGER"
    ADMIN = "ADMIN"


STAFF_ROLES = frozenset({Role.SUPPORT, Role.MERCHANDISER, Role.FULFILLMENT, Role.MANAGER, Role.ADMIN})


class Permission(StrEnum):
    MANAGE_CATALOG = "MANAGE_CATALOG"  # categories, products, campaigns; collections (same roles)
    MANAGE_STOCK = "MANAGE_STOCK"
    MANAGE_STORE = "MANAGE_STORE"  # channels, warehouses, delivery methods
    READ_ANY_ORDER = "READ_ANY_ORDER"
    LIST_ORDERS = "LIST_ORDERS"
    CANCEL_ANY_ORDER = "CANCEL_ANY_ORDER"
    MANAGE_FULFILLMENT = "MANAGE_FULFILLMENT"  # fulfillments, receiving returns
    CREATE_RETURN_FOR_ANY = "CREATE_RETURN_FOR_ANY"
    DECIDE_RETURN = "DECIDE_RETURN"  # approve, reject, refund
    REQUEST_APPROVAL = "REQUEST_APPROVAL"
    DECIDE_APPROVAL = "DECIDE_APPROVAL"
    READ_AUDIT = "READ_AUDIT"
    VERIFY_AUDIT = "VERIFY_AUDIT"
    READ_REPORTS = "READ_REPORTS"
    MANAGE_INTEGRATIONS = "MANAGE_INTEGRATIONS"  # webhook endpoints and their delivery log
    READ_CUSTOMERS = "READ_CUSTOMERS"  # customer records ("customers list")
    READ_OPERATIONS = "READ_OPERATIONS"  # operational exceptions (and their live feed), systemHealth
    RESOLVE_EXCEPTION = "RESOLVE_EXCEPTION"  # resolve an operational exception with a note
    RESOLVE_SETTLEMENT_EXCEPTION = "RESOLVE_SETTLEMENT_EXCEPTION"  # ... one about money (app/policy/exceptions.py)


R = Role
GRANTS: dict[Permission, frozenset[Role]] = {
    Permission.MANAGE_CATALOG: frozenset({R.MERCHANDISER, R.ADMIN}),
    Permission.MANAGE_STOCK: frozenset({R.FULFILLMENT, R.MERCHANDISER, R.ADMIN}),
    Permission.MANAGE_STORE: frozenset({R.ADMIN}),
    Permission.READ_ANY_ORDER: frozenset({R.SUPPORT, R.FULFILLMENT, R.MANAGER, R.ADMIN}),
    Permission.LIST_ORDERS: frozenset({R.SUPPORT, R.FULFILLMENT, R.MANAGER, R.ADMIN}),
    Permission.CANCEL_ANY_ORDER: frozenset({R.SUPPORT, R.MANAGER, R.ADMIN}),
    Permission.MANAGE_FULFILLMENT: frozenset({R.FULFILLMENT, R.ADMIN}),
    Permission.CREATE_RETURN_FOR_ANY: frozenset({R.SUPPORT, R.MANAGER, R.ADMIN}),
    Permission.DECIDE_RETURN: frozenset({R.SUPPORT, R.MANAGER, R.ADMIN}),
    Permission.REQUEST_APPROVAL: STAFF_ROLES,
    Permission.DECIDE_APPROVAL: frozenset({R.MANAGER, R.ADMIN}),
    Permission.READ_AUDIT: frozenset({R.SUPPORT, R.MANAGER, R.ADMIN}),
    Permission.VERIFY_AUDIT: frozenset({R.ADMIN}),
    Permission.READ_REPORTS: frozenset({R.MERCHANDISER, R.MANAGER, R.ADMIN}),
    Permission.MANAGE_INTEGRATIONS: frozenset({R.ADMIN}),
    Permission.READ_CUSTOMERS: frozenset({R.SUPPORT, R.MANAGER, R.ADMIN}),
    Permission.READ_OPERATIONS: frozenset({R.SUPPORT, R.FULFILLMENT, R.MANAGER, R.ADMIN}),
    Permission.RESOLVE_EXCEPTION: frozenset({R.SUPPORT, R.FULFILLMENT, R.MANAGER, R.ADMIN}),
    Permission.RESOLVE_SETTLEMENT_EXCEPTION: frozenset({R.SUPPORT, R.MANAGER, R.ADMIN}),
}


def has_permission(roles: Iterable[str], permission: Permission) -> bool:
    granted = GRANTS[permission]
    return any(role in granted for role in roles)


def is_staff(roles: Iterable[str]) -> bool:
    return any(role in STAFF_ROLES for role in roles)
