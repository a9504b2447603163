"""Status values are enum members, never string literals (STYLE.md: a lifecycle lives in one place).

The source of the application is scanned for a string equal to a status value where code compares,
filters, stores or sets a status: a comparison or `in`, `.in_()` / `.not_in()`, a `status=` keyword,
a "status" key of a dict, an assignment to a status attribute or name, a parameter default, a
`case`, a set of statuses spelled as strings, and `status = '...'` inside SQL text. Prose
(descriptions, messages, docstrings) is left alone. The modules that define the statuses and the
migrations (history: each keeps the literals of its day) are not scanned.
"""

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.domain.states import (
    ApprovalStatus,
    CampaignStatus,
    CartStatus,
    FulfillmentStatus,
    PaymentStatus,
    ReturnStatus,
    WebhookDeliveryStatus,
)
from app.policy.order_lifecycle import OrderStatus

ROOT = Path(__file__).resolve().parents[2]
SCANNED = ("app", "resolvers", "schema", "models", "bench")
DEFINING = {"app/domain/states.py", "app/policy/order_lifecycle.py"}
HISTORY = ("models/migrations/",)
MACHINES = (OrderStatus, PaymentStatus, FulfillmentStatus, ReturnStatus, ApprovalStatus, CartStatus,
            CampaignStatus, WebhookDeliveryStatus)
STATUS_VALUES = frozenset(member.value for machine in MACHINES for member in machine)
# status, payment_status, from_status, paymentStatus, DELIVERY_STATUSES
STATUS_NAME = re.compile(r"status(es)?$", re.IGNORECASE)
SQL_STATUS = re.compile(r"status\s*(?:=|!=|<>|\bnot\s+in\b|\bin\b)\s*\(?\s*'(\w+)'", re.IGNORECASE)
IN_METHODS = {"in_", "not_in", "notin_"}
COLLECTION_CALLS = {"set", "frozenset", "tuple", "list"}


def _statuses_in(node: ast.AST | None) -> list[str]:
    """The status values a node spells as strings: the node itself, either branch of a conditional
    expression, or the members of a literal collection (or of set(...)/frozenset(...) over one)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in STATUS_VALUES:
        return [node.value]
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return [v for elt in node.elts for v in _statuses_in(elt)]
    if isinstance(node, ast.IfExp):
        return _statuses_in(node.body) + _statuses_in(node.orelse)
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in COLLECTION_CALLS
            and len(node.args) == 1):
        return _statuses_in(node.args[0])
    return []


def _name_of(target: ast.AST) -> str:
    if isinstance(target, ast.Name):
        return target.id
    if isinstance(target, ast.Attribute):
        return target.attr
    if isinstance(target, ast.Subscript) and isinstance(target.slice, ast.Constant):
        return str(target.slice.value)
    return ""


def status_literals(source: str) -> Iterator[tuple[int, str]]:
    """(line, what) for each status value spelled as a string where code uses it as a status."""
    for node in ast.walk(ast.parse(source)):
        found: list[str] = []
        line = 0
        if isinstance(node, ast.Compare):
            found = [v for operand in (node.left, *node.comparators) for v in _statuses_in(operand)]
        elif isinstance(node, ast.Call):
            if isinstance(node.func, ast.Attribute) and node.func.attr in IN_METHODS:
                found = [v for arg in node.args for v in _statuses_in(arg)]
            found += [v for kw in node.keywords if kw.arg and STATUS_NAME.search(kw.arg)
                      for v in _statuses_in(kw.value)]
        elif isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                found += _statuses_in(key)
                if isinstance(key, ast.Constant) and isinstance(key.value, str) and STATUS_NAME.search(key.value):
                    found += _statuses_in(value)
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(STATUS_NAME.search(_name_of(t)) for t in targets):
                found = _statuses_in(node.value)
        elif isinstance(node, ast.arguments):
            positional = [*node.posonlyargs, *node.args]
            pairs = [*zip(positional[len(positional) - len(node.defaults):], node.defaults, strict=True),
                     *zip(node.kwonlyargs, node.kw_defaults, strict=True)]
            defaults = [d for arg, d in pairs if d is not None and STATUS_NAME.search(arg.arg) and _statuses_in(d)]
            found = [v for default in defaults for v in _statuses_in(default)]
            line = defaults[0].lineno if defaults else 0
        elif isinstance(node, ast.MatchValue):
            found = _statuses_in(node.value)
        elif isinstance(node, ast.Tuple | ast.List | ast.Set):
            spelled = _statuses_in(node)
            if len(node.elts) >= 2 and len(spelled) == len(node.elts):
                found = spelled  # a set of statuses, wherever it stands
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            found = [m for m in SQL_STATUS.findall(node.value) if m in STATUS_VALUES]
        for value in dict.fromkeys(found):
            yield getattr(node, "lineno", line), value


def scanned_files() -> list[Path]:
    files = []
    for top in SCANNED:
        for path in sorted((ROOT / top).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if relative not in DEFINING and not relative.startswith(HISTORY):
                files.append(path)
    return files


def test_no_status_is_spelled_as_a_string_outside_its_machine() -> None:
    files = scanned_files()
    assert len(files) > 50, "the scan found too few modules: has the layout moved?"
    found = sorted({f"{path.relative_to(ROOT)}:{line}: {value!r}"
                    for path in files for line, value in status_literals(path.read_text())})
    assert not found, ("Use the enum member (app/policy/order_lifecycle.py for orders, app/domain/states.py "
                       "for the other machines) instead of these strings:\n" + "\n".join(found))


def test_the_defining_modules_exist() -> None:
    assert all((ROOT / module).is_file() for module in DEFINING)


CAUGHT = {
    "comparison": 'q = Fulfillment.status != "CANCELLED"',
    "membership": 'ok = order.status in ("SHIPPED", "DELIVERED")',
    "in_ filter": 'stmt = select(F).where(F.status.in_(("PENDING", "PICKED")))',
    "not_in filter": 'stmt = select(O).where(O.status.not_in(["CANCELLED"]))',
    "frozenset filter": 'stmt = select(F).where(F.status.in_(frozenset({"PENDING", "PICKED"})))',
    "dict value": 'values = {"status": "DELIVERED", "delivered_at": now}',
    "camelCase dict key": 'payload = {"paymentStatus": "CAPTURED"}',
    "dict key": 'labels = {"REFUNDED": "Refunded"}',
    "keyword": 'row = WebhookDelivery(status="PENDING", attempts=0)',
    "other status keyword": 'audit(to_status="APPROVED")',
    "attribute assignment": 'order.status = "CANCELLED"',
    "set of statuses": 'DELIVERY_STATUSES = {"PENDING", "DELIVERED", "FAILED"}',
    "named tuple of statuses": 'OPEN = ("REQUESTED", "APPROVED", "RECEIVED")',
    "conditional": 'status = "ENDED" if ends <= now else ("ACTIVE" if starts <= now else "SCHEDULED")',
    "parameter default": 'def f(status: str = "ACTIVE") -> None: ...',
    "case": 'match status:\n    case "EXPIRED":\n        pass',
    "SQL text": 'stmt = text("SELECT count(*) FROM orders WHERE status <> \'CANCELLED\'")',
    "SQL IN": 'stmt = text("UPDATE carts SET x = 1 WHERE status IN (\'ACTIVE\', \'ABANDONED\')")',
}

LEFT_ALONE = {
    "enum member": "q = Fulfillment.status != FulfillmentStatus.CANCELLED",
    "message": 'raise DomainError.of(code, "An order that is CANCELLED cannot be cancelled.")',
    "description": 'f = strawberry.field(description="PENDING, DELIVERED or FAILED.")',
    "docstring": 'def f():\n    """DELIVERED orders become COMPLETED."""',
    "other vocabulary": 'ok = role == "ADMIN" and kind in ("PERCENTAGE", "FIXED_AMOUNT")',
    "audit action": 'uow.audit(action="fulfillment.cancelled", to_status=FulfillmentStatus.CANCELLED)',
    "enum definition": 'class WebhookDeliveryStatus(StrEnum):\n    PENDING = "PENDING"',
    "lone word in prose position": 'print("FAILED")',
}


@pytest.mark.parametrize("source", CAUGHT.values(), ids=CAUGHT.keys())
def test_the_scan_catches(source: str) -> None:
    assert list(status_literals(source))


@pytest.mark.parametrize("source", LEFT_ALONE.values(), ids=LEFT_ALONE.keys())
def test_the_scan_leaves_alone(source: str) -> None:
    assert not list(status_literals(source))
