"""salesReport benchmark: app.reports.sales.sales_report on a two-year, 100,000-order history.

    .venv/bin/python bench/sales_report.py                  # a temporary SQLite file
    .venv/bin/python bench/sales_report.py --database-url \\
        postgresql+asyncpg://postgres@127.0.0.1:5432/bench_sales_1   # created, then dropped

Creates a fresh database, runs `commerce migrate` on it, then seeds it with bulk Core inserts straight
into the tables (not through the API): channels, campaigns, delivery methods, customers, a catalog,
carts (converted, abandoned with lines, empty), orders with 1-4 lines (some cancelled) and return
requests (most of them received). Then times `sales_report(...)` for a one-month and a one-year
window, ungrouped and grouped by [CHANNEL, CAMPAIGN] (one warm-up run, then --runs timed runs: min
and median, and each of its two SQL statements), checks every report against totals computed while
seeding, prints the query plans of the two statements, and a markdown table.

Everything is deterministic for a given --seed: "now" is fixed at 2026-11-01T00:00Z and the history
covers the 730 days before it, growing over time (the last day is about twice as busy as the first).
"""

import argparse
import asyncio
import contextlib
import math
import os
import platform
import random
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import event, func, insert, select, text, update

from app.db import Database
from app.domain.carts import EXPIRES_AFTER
from app.domain.states import CampaignStatus, CartStatus, PaymentStatus, ReturnStatus
from app.policy.order_lifecycle import OrderStatus
from app.reports.sales import Dimension, SalesReport, sales_report
from app.settings import Settings
from models import (
    Campaign,
    Cart,
    Category,
    Channel,
    Customer,
    DeliveryMethod,
    EcommerceOrder,
    OrderLine,
    Product,
    ProductVariant,
    ReturnLine,
    ReturnRequest,
    campaign_channels,
)

BENCH_DIR = Path(__file__).resolve().parent
REPO_DIR = BENCH_DIR.parent
NOW = datetime(2026, 11, 1, tzinfo=UTC)
HISTORY = timedelta(days=730)
ORIGIN = NOW - HISTORY
ABANDON_AFTER = timedelta(days=1)
WINDOWS = {
    "month": (datetime(2026, 10, 1, tzinfo=UTC), NOW),
    "year": (datetime(2025, 11, 1, tzinfo=UTC), NOW),
}
GROUPINGS = {"[]": (), "[CHANNEL, CAMPAIGN]": (Dimension.CHANNEL, Dimension.CAMPAIGN)}
BATCH = 5000          # rows per executemany
CHUNK_CARTS = 25_000  # carts (and their orders, lines, returns) per transaction

CHANNELS = [("web", "Web shop", 0.60), ("mobile", "Mobile app", 0.30), ("marketplace", "Marketplace", 0.10)]
# name, code, discount type, value, start (days after ORIGIN), length in days
CAMPAIGNS = [
    ("Winter sale: 15% off", None, "PERCENTAGE", "15", 40, 45),
    ("WELCOME5: $5 off", "WELCOME5", "FIXED_AMOUNT", "5", 0, 730),
    ("Spring sale: 10% off", None, "PERCENTAGE", "10", 150, 60),
    ("Free shipping on the app", "APPSHIP", "FREE_SHIPPING", "0", 200, 120),
    ("Black Friday: 25% off", "BF25", "PERCENTAGE", "25", 385, 10),
    ("Summer: $10 off", "SUMMER10", "FIXED_AMOUNT", "10", 520, 70),
    ("Footwear week: 20% off", "SHOES20", "PERCENTAGE", "20", 600, 14),
    ("Autumn sale: 12% off", None, "PERCENTAGE", "12", 670, 60),
]
DELIVERY = [("Standard", 499), ("Express", 1299), ("Pickup", 0)]
CITIES = ["Springfield", "Riverton", "Lakeside", "Fairview", "Greenville", "Bristol", "Madison", "Georgetown"]
SEEDED_TABLES = ["channels", "delivery_methods", "campaigns", "campaign_channels", "customers", "categories",
                 "products", "product_variants", "carts", "orders", "order_lines", "return_requests",
                 "return_lines"]


def cents(value: int) -> Decimal:
    return Decimal(value) / 100


# ---------------------------------------------------------------- arguments and databases

def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=100_000, help="orders to seed (default 100000)")
    parser.add_argument("--cart-ratio", type=float, default=2.2,
                        help="carts per order: the rest are abandoned or empty (default 2.2)")
    parser.add_argument("--products", type=int, default=200, help="products, with 1-4 variants each")
    parser.add_argument("--runs", type=int, default=9, help="timed runs per case, after one warm-up run")
    parser.add_argument("--seed", type=int, default=20261101, help="random seed of the data")
    parser.add_argument("--database-url", help="a PostgreSQL URL (postgresql+asyncpg://...) whose database this "
                                               "script creates and drops; default: a temporary SQLite file")
    parser.add_argument("--sqlite-analyze", action="store_true",
                        help="run ANALYZE on SQLite after seeding (the app never does; PostgreSQL is always "
                             "VACUUM ANALYZEd, as autovacuum would)")
    parser.add_argument("--explain-analyze", action=argparse.BooleanOptionalAction, default=True,
                        help="on PostgreSQL, EXPLAIN (ANALYZE, BUFFERS) rather than plain EXPLAIN")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards (and print its URL)")
    args = parser.parse_args(argv)
    if args.orders < 1 or args.runs < 1 or args.products < 1 or args.cart_ratio < 1.0:
        parser.error("--orders, --runs and --products must be positive and --cart-ratio at least 1")
    if args.database_url and not args.database_url.startswith("postgresql"):
        parser.error("--database-url must be a PostgreSQL URL; SQLite runs in a temporary directory")
    return args


@contextlib.contextmanager
def postgres_database(url: str, *, keep: bool) -> Iterator[str]:
    """Create the database named in `url` (refusing one that exists) and drop it afterwards."""
    import asyncpg  # type: ignore[import-untyped]
    from sqlalchemy.engine import make_url

    target = make_url(url)
    name = target.database
    if not name:
        raise SystemExit("--database-url must name a database")
    admin = target.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)

    async def fetch(sql: str, *params: Any) -> Any:
        conn = await asyncpg.connect(admin)
        try:
            return await conn.fetchval(sql, *params)
        finally:
            await conn.close()

    if asyncio.run(fetch("SELECT 1 FROM pg_database WHERE datname = $1", name)):
        raise SystemExit(f"database {name!r} exists already: drop it or name another one")
    quoted = '"' + name.replace('"', '""') + '"'
    asyncio.run(fetch(f"CREATE DATABASE {quoted}"))
    try:
        yield url
    finally:
        if keep:
            print(f"kept {url}", file=sys.stderr)
        else:
            asyncio.run(fetch(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)"))


def migrate(database_url: str) -> float:
    commerce = Path(sys.executable).parent / "commerce"
    if not commerce.exists():
        raise SystemExit("`commerce` is not installed beside this python: run with .venv/bin/python")
    env = {**os.environ, "COMMERCE_DATABASE_URL": database_url, "COMMERCE_SECRET_KEY": secrets.token_urlsafe(48),
           "PYTHONDONTWRITEBYTECODE": "1"}
    started = time.perf_counter()
    done = subprocess.run([str(commerce), "migrate"], env=env, cwd=REPO_DIR, capture_output=True, text=True,
                          timeout=600, check=False)
    if done.returncode != 0:
        raise SystemExit(f"commerce migrate failed:\n{done.stdout}{done.stderr}")
    return time.perf_counter() - started


# ---------------------------------------------------------------- expected figures

@dataclass
class Tally:
    """What the report must find for one window and one (channel, campaign) group."""
    created: int = 0
    converted: int = 0
    abandoned: int = 0
    orders: int = 0
    revenue_cents: int = 0
    sold: int = 0
    returned: int = 0

    def key(self) -> tuple[int, int, int, int, Decimal, int, int]:
        return (self.created, self.converted, self.abandoned, self.orders, cents(self.revenue_cents), self.sold,
                self.returned)


@dataclass
class Expected:
    groups: dict[str, dict[tuple[int, int | None], Tally]] = field(
        default_factory=lambda: {w: defaultdict(Tally) for w in WINDOWS})

    def windows(self, at: datetime) -> list[str]:
        return [name for name, (start, end) in WINDOWS.items() if start <= at < end]


# ---------------------------------------------------------------- the seed

class Seeder:
    def __init__(self, db: Database, args: argparse.Namespace) -> None:
        self.db = db
        self.args = args
        self.rng = random.Random(args.seed)
        self.rows: dict[str, int] = defaultdict(int)
        self.expected = Expected()
        self.campaign_uses: dict[int, int] = defaultdict(int)

    async def insert(self, conn: Any, table: Any, rows: list[dict[str, Any]]) -> None:
        for i in range(0, len(rows), BATCH):
            await conn.execute(insert(table), rows[i:i + BATCH])
        self.rows[getattr(table, "__table__", table).name] += len(rows)

    async def reference_data(self) -> None:
        rng = self.rng
        t0 = ORIGIN - timedelta(days=30)
        self.channels = list(range(1, len(CHANNELS) + 1))
        self.channel_weights = [w for *_, w in CHANNELS]
        self.campaigns: list[tuple[int, str, int, datetime, datetime]] = []
        campaign_rows = []
        for cid, (name, code, kind, value, start_day, days) in enumerate(CAMPAIGNS, start=1):
            starts, ends = ORIGIN + timedelta(days=start_day), ORIGIN + timedelta(days=start_day + days)
            status = (CampaignStatus.ENDED if ends <= NOW
                      else CampaignStatus.ACTIVE if starts <= NOW else CampaignStatus.SCHEDULED)
            campaign_rows.append({"id": cid, "name": name, "code": code, "status": status, "discount_type": kind,
                                  "discount_value": Decimal(value), "starts_at": starts, "ends_at": ends,
                                  "min_subtotal": Decimal(50) if kind == "FIXED_AMOUNT" else None,
                                  "usage_limit": None, "times_used": 0, "created_at": starts - timedelta(days=7)})
            self.campaigns.append((cid, kind, int(Decimal(value) * 100), starts, ends))
        customers = [{"id": i, "user_id": None, "email": f"customer{i}@example.com", "name": f"Customer {i}",
                      "created_at": t0} for i in range(1, 5001)]
        self.customers = len(customers)
        categories = [{"id": i, "parent_id": None, "name": f"Category {i}", "slug": f"category-{i}",
                       "description": None, "path": f"/{i}/", "created_at": t0} for i in range(1, 9)]
        products, variants = [], []
        self.variants: list[tuple[int, int, str, str, str, int]] = []  # id, product, names, sku, price
        for pid in range(1, self.args.products + 1):
            prices = []
            for v in range(rng.randint(1, 4)):
                vid = len(variants) + 1
                price = rng.randrange(500, 20000, 100) - 1  # 4.99 .. 199.99
                prices.append(price)
                sku = f"SKU-{pid:05d}-{v}"
                variants.append({"id": vid, "product_id": pid, "sku": sku, "name": f"Size {v + 1}",
                                 "price": cents(price), "created_at": t0})
                self.variants.append((vid, pid, f"Product {pid}", f"Size {v + 1}", sku, price))
            products.append({"id": pid, "category_id": rng.randint(1, 8), "name": f"Product {pid}",
                             "slug": f"product-{pid}", "description": None, "min_price": cents(min(prices)),
                             "created_at": t0, "updated_at": t0})
        async with self.db.write_engine.begin() as conn:
            await self.insert(conn, Channel, [
                {"id": i, "slug": slug, "name": name, "currency": "USD", "created_at": t0}
                for i, (slug, name, _) in enumerate(CHANNELS, start=1)])
            await self.insert(conn, DeliveryMethod, [
                {"id": i, "name": name, "price": cents(price), "created_at": t0}
                for i, (name, price) in enumerate(DELIVERY, start=1)])
            await self.insert(conn, Campaign, campaign_rows)
            await self.insert(conn, campaign_channels, [{"campaign_id": 4, "channel_id": 2}])
            await self.insert(conn, Customer, customers)
            await self.insert(conn, Category, categories)
            await self.insert(conn, Product, products)
            await self.insert(conn, ProductVariant, variants)

    def cart_times(self, n: int) -> list[datetime]:
        """n sorted instants over the history, with a density growing linearly from 1 to 2."""
        span = HISTORY.total_seconds()
        offsets = sorted(span * (math.sqrt(1 + 3 * self.rng.random()) - 1) for _ in range(n))
        return [ORIGIN + timedelta(seconds=round(s, 3)) for s in offsets]

    def attribution(self, at: datetime, channel: int) -> int | None:
        live = [c for c in self.campaigns if c[3] <= at < c[4] and (c[0] != 4 or channel == 2)]
        if live and self.rng.random() < 0.45:
            return self.rng.choice(live)[0]
        return None

    async def history(self) -> None:
        rng = self.rng
        orders = self.args.orders
        n_carts = max(orders, round(orders * self.args.cart_ratio))
        times = self.cart_times(n_carts)
        converted = bytearray(n_carts)
        for i in rng.sample(range(n_carts), orders):
            converted[i] = 1
        order_id = line_id = return_id = return_line_id = 0
        for chunk_start in range(0, n_carts, CHUNK_CARTS):
            carts, order_rows, lines, returns, return_lines = [], [], [], [], []
            for i in range(chunk_start, min(n_carts, chunk_start + CHUNK_CARTS)):
                created = times[i]
                channel = rng.choices(self.channels, self.channel_weights)[0]
                campaign = self.attribution(created, channel)
                customer = rng.randint(1, self.customers) if rng.random() < 0.55 else None
                cart = {"id": f"{rng.getrandbits(128):032x}", "channel_id": channel, "customer_id": customer,
                        "status": CartStatus.ACTIVE.value, "email": None, "shipping_address": None,
                        "delivery_method_id": None, "promo_campaign_id": None, "attributed_campaign_id": campaign,
                        "utm_source": None, "utm_medium": None, "utm_campaign": None, "line_count": 0,
                        "created_at": created, "updated_at": created, "converted_at": None}
                if campaign is not None and rng.random() < 0.5:
                    cart.update(utm_source="newsletter", utm_medium="email", utm_campaign=f"campaign-{campaign}")
                key = (channel, campaign)
                in_windows = self.expected.windows(created)
                if converted[i]:
                    order_id += 1
                    placed = min(created + timedelta(seconds=rng.randint(120, 6 * 3600)), NOW - timedelta(seconds=1))
                    order, order_lines = self.order(order_id, line_id, cart, placed, rng)
                    line_id += len(order_lines)
                    cart.update(status=CartStatus.CONVERTED.value, line_count=len(order_lines), updated_at=placed,
                                converted_at=placed, email=order["email"],
                                shipping_address=order["shipping_address"],
                                delivery_method_id=order["delivery_method_id"],
                                promo_campaign_id=campaign if campaign and CAMPAIGNS[campaign - 1][1] else None)
                    order_rows.append(order)
                    lines.extend(order_lines)
                    units = sum(ol["quantity"] for ol in order_lines)
                    returned = 0
                    if order["delivered_at"] is not None and rng.random() < 0.08:
                        return_id += 1
                        request, rlines = self.return_request(return_id, return_line_id, order, order_lines, rng)
                        if request is not None:
                            returns.append(request)
                            return_lines.extend(rlines)
                            return_line_id += len(rlines)
                            if request["received_at"] is not None:
                                returned = sum(rl["quantity"] for rl in rlines)
                                order["payment_status"] = PaymentStatus.PARTIALLY_REFUNDED.value
                        else:
                            return_id -= 1
                    if campaign is not None:
                        self.campaign_uses[campaign] += 1
                    for w in in_windows:
                        self.expected.groups[w][key].created += 1
                        self.expected.groups[w][key].converted += 1
                    if order["status"] != OrderStatus.CANCELLED.value:
                        for w in self.expected.windows(placed):
                            tally = self.expected.groups[w][key]
                            tally.orders += 1
                            tally.revenue_cents += order["_total_cents"]
                            tally.sold += units
                            tally.returned += returned
                else:
                    if rng.random() < 0.65:  # abandoned with lines; the rest stay empty
                        cart["line_count"] = rng.choices((1, 2, 3, 4), (50, 30, 15, 5))[0]
                        cart["updated_at"] = min(created + timedelta(seconds=rng.randint(0, 7200)), NOW)
                        # A sweep has marked some of the long-idle ones EXPIRED; the others are ACTIVE
                        # and only computed as expired.
                        if NOW - cart["updated_at"] >= EXPIRES_AFTER and rng.random() < 0.5:
                            cart["status"] = CartStatus.EXPIRED.value
                    lines_ = cart["line_count"]
                    abandoned = (cart["status"] == CartStatus.ACTIVE.value and lines_ > 0
                                 and cart["updated_at"] <= NOW - ABANDON_AFTER
                                 and cart["updated_at"] > NOW - EXPIRES_AFTER)
                    for w in in_windows:
                        tally = self.expected.groups[w][key]
                        tally.created += lines_ > 0
                        tally.abandoned += abandoned
                carts.append(cart)
            for order in order_rows:
                del order["_total_cents"]
            async with self.db.write_engine.begin() as conn:
                await self.insert(conn, Cart, carts)
                await self.insert(conn, EcommerceOrder, order_rows)
                await self.insert(conn, OrderLine, lines)
                await self.insert(conn, ReturnRequest, returns)
                await self.insert(conn, ReturnLine, return_lines)
            done = min(n_carts, chunk_start + CHUNK_CARTS)
            if sys.stderr.isatty():
                sys.stderr.write(f"\rseeding: {done}/{n_carts} carts, {order_id} orders")
                sys.stderr.flush()
        print(f"seeded {n_carts} carts and {order_id} orders", file=sys.stderr)
        async with self.db.write_engine.begin() as conn:
            for campaign, used in self.campaign_uses.items():
                await conn.execute(update(Campaign).where(Campaign.id == campaign).values(times_used=used))

    def order(self, order_id: int, first_line_id: int, cart: dict[str, Any], placed: datetime,
              rng: random.Random) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        n_lines = min(len(self.variants), rng.choices((1, 2, 3, 4), (45, 30, 17, 8))[0])
        lines, subtotal = [], 0
        for j, (vid, pid, pname, vname, sku, price) in enumerate(rng.sample(self.variants, n_lines)):
            quantity = rng.choices((1, 2, 3), (75, 20, 5))[0]
            subtotal += price * quantity
            lines.append({"id": first_line_id + j + 1, "order_id": order_id, "variant_id": vid, "product_id": pid,
                          "product_name": pname, "variant_name": vname, "sku": sku, "quantity": quantity,
                          "unit_price": cents(price), "total": cents(price * quantity)})
        delivery = rng.choices((1, 2, 3), (70, 20, 10))[0]
        shipping = 0 if subtotal >= 10000 else DELIVERY[delivery - 1][1]
        discount = 0
        campaign = cart["attributed_campaign_id"]
        if campaign is not None:
            _, kind, value, _, _ = self.campaigns[campaign - 1]
            if kind == "PERCENTAGE":
                discount = (subtotal * value + 5000) // 10000
            elif kind == "FIXED_AMOUNT" and subtotal >= 5000:
                discount = min(value, subtotal)
            elif kind == "FREE_SHIPPING":
                shipping = 0
        total = subtotal - discount + shipping
        age = NOW - placed
        delivered_at = None
        if rng.random() < 0.05:
            status, payment = OrderStatus.CANCELLED, PaymentStatus.VOIDED
            updated = placed + timedelta(hours=rng.randint(1, 48))
        elif age < timedelta(days=1):
            status, payment, updated = OrderStatus.CONFIRMED, PaymentStatus.AUTHORIZED, placed
        elif age < timedelta(days=3):
            status, payment, updated = OrderStatus.PROCESSING, PaymentStatus.AUTHORIZED, placed + timedelta(hours=6)
        elif age < timedelta(days=7):
            status, payment, updated = OrderStatus.SHIPPED, PaymentStatus.CAPTURED, placed + timedelta(days=1)
        else:
            delivered_at = placed + timedelta(days=rng.randint(2, 6), seconds=rng.randint(0, 86399))
            status = OrderStatus.DELIVERED if age < timedelta(days=30) else OrderStatus.COMPLETED
            payment, updated = PaymentStatus.CAPTURED, delivered_at
        updated = min(updated, NOW)
        order = {"id": order_id, "number": f"CG-{order_id:06d}", "cart_id": cart["id"],
                 "customer_id": cart["customer_id"], "channel_id": cart["channel_id"], "campaign_id": campaign,
                 "status": status.value, "payment_status": payment.value,
                 "email": f"customer{cart['customer_id'] or order_id}@example.com",
                 "shipping_address": {"name": f"Shopper {order_id}", "line1": f"{order_id % 997 + 1} Main Street",
                                      "city": CITIES[order_id % len(CITIES)],
                                      "postalCode": f"{10000 + order_id % 89999}", "country": "US"},
                 "delivery_method_id": delivery, "delivery_method_name": DELIVERY[delivery - 1][0],
                 "currency": "USD", "subtotal": cents(subtotal), "discount": cents(discount),
                 "shipping": cents(shipping), "total": cents(total), "delivered_at": delivered_at,
                 "created_at": placed, "updated_at": updated, "_total_cents": total}
        return order, lines

    def return_request(self, return_id: int, first_line_id: int, order: dict[str, Any],
                       order_lines: list[dict[str, Any]], rng: random.Random
                       ) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
        requested = order["delivered_at"] + timedelta(days=rng.randint(1, 20), seconds=rng.randint(0, 86399))
        if requested >= NOW:
            return None, []
        received = rejected = refund = None
        roll = rng.random()
        if roll < 0.70:
            received = requested + timedelta(days=rng.randint(2, 10))
            status = ReturnStatus.CLOSED if received < NOW - timedelta(days=14) else ReturnStatus.REFUNDED
            if received >= NOW:
                received, status = None, ReturnStatus.APPROVED
        elif roll < 0.82:
            status, rejected = ReturnStatus.REJECTED, requested + timedelta(days=1)
        else:
            status = rng.choice((ReturnStatus.REQUESTED, ReturnStatus.APPROVED))
        if rejected is not None and rejected >= NOW:
            status, rejected = ReturnStatus.REQUESTED, None
        rlines = []
        for j, line in enumerate(rng.sample(order_lines, rng.randint(1, min(2, len(order_lines))))):
            rlines.append({"id": first_line_id + j + 1, "return_request_id": return_id, "order_line_id": line["id"],
                           "quantity": rng.randint(1, line["quantity"]), "reason": None})
        if received is not None:
            refund = sum((ol["unit_price"] * rl["quantity"] for rl in rlines for ol in order_lines
                          if ol["id"] == rl["order_line_id"]), Decimal(0))
        updated = max(t for t in (requested, received, rejected) if t is not None)
        return {"id": return_id, "order_id": order["id"], "status": status.value, "reason": "Does not fit",
                "note": None, "approval_id": None, "refund_amount": refund, "rejected_at": rejected,
                "received_at": received, "created_at": requested, "updated_at": updated}, rlines

    async def finish(self, analyze_sqlite: bool) -> float:
        """PostgreSQL: move the sequences past the explicit ids and VACUUM ANALYZE (as autovacuum would
        soon). SQLite: checkpoint the WAL, and ANALYZE only when asked."""
        started = time.perf_counter()
        if self.db.is_sqlite:
            async with self.db.write_engine.connect() as conn:
                raw = await conn.get_raw_connection()
                await raw.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                if analyze_sqlite:
                    await raw.driver_connection.execute("ANALYZE")
                    await raw.driver_connection.commit()
        else:
            async with self.db.write_engine.connect() as conn:
                conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
                for table in SEEDED_TABLES:
                    if table not in ("campaign_channels", "carts"):  # no sequence: a composite key, a token
                        await conn.execute(text(
                            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id)) FROM {table}"))
                await conn.execute(text(f"VACUUM (ANALYZE) {', '.join(SEEDED_TABLES)}"))
        return time.perf_counter() - started


# ---------------------------------------------------------------- timing and plans

@dataclass
class Case:
    window: str
    grouping: str
    first_ms: float = 0.0
    runs_ms: list[float] = field(default_factory=list)
    carts_ms: list[float] = field(default_factory=list)
    orders_ms: list[float] = field(default_factory=list)
    rows: int = 0
    report: SalesReport | None = None


class StatementClock:
    """Times each statement the read engine sends (the async adapters fetch every row in execute)."""

    def __init__(self, db: Database) -> None:
        self.samples: list[tuple[str, float]] = []
        self.captured: dict[str, tuple[str, Any]] = {}
        engine = db.read_engine.sync_engine

        @event.listens_for(engine, "before_cursor_execute")
        def _before(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
            conn.info["bench_started"] = time.perf_counter()

        @event.listens_for(engine, "after_cursor_execute")
        def _after(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
            started = conn.info.pop("bench_started", None)
            if started is None or statement.lstrip().upper().startswith("EXPLAIN"):
                return
            kind = "carts" if "FROM carts" in statement else "orders" if "FROM orders" in statement else "other"
            self.samples.append((kind, (time.perf_counter() - started) * 1000))
            self.captured[kind] = (statement, parameters)


async def time_report(db: Database, clock: StatementClock, window: str, grouping: str, runs: int) -> Case:
    start, end = WINDOWS[window]
    case = Case(window, grouping)

    async def once() -> float:
        clock.samples.clear()
        started = time.perf_counter()
        case.report = await sales_report(db, start=start, end=end, group_by=list(GROUPINGS[grouping]), now=NOW,
                                         abandon_after=ABANDON_AFTER)
        return (time.perf_counter() - started) * 1000

    case.first_ms = await once()
    for _ in range(runs):
        case.runs_ms.append(await once())
        case.carts_ms.extend(ms for kind, ms in clock.samples if kind == "carts")
        case.orders_ms.extend(ms for kind, ms in clock.samples if kind == "orders")
    case.rows = len(case.report.rows) if case.report else 0
    return case


def check(case: Case, expected: Expected) -> list[str]:
    """Compare the report with the figures tallied while seeding."""
    assert case.report is not None
    groups = expected.groups[case.window]
    problems = []
    if GROUPINGS[case.grouping]:
        want = {k: t.key() for k, t in groups.items() if t.created or t.abandoned or t.orders}
        got = {(r.channel_id, r.campaign_id): (r.carts_created, r.carts_converted, r.carts_abandoned, r.orders,
                                               r.revenue, r.units_sold, r.units_returned) for r in case.report.rows
               if r.carts_created or r.carts_abandoned or r.orders}
        if want != got:
            diff = sorted(k for k in set(want) | set(got) if want.get(k) != got.get(k))
            problems.append(f"{case.window} {case.grouping}: groups differ at {diff[:3]}: "
                            f"{[(want.get(k), got.get(k)) for k in diff[:3]]}")
    total = Tally()
    for t in groups.values():
        for name in ("created", "converted", "abandoned", "orders", "revenue_cents", "sold", "returned"):
            setattr(total, name, getattr(total, name) + getattr(t, name))
    r = case.report.total
    got_total = (r.carts_created, r.carts_converted, r.carts_abandoned, r.orders, r.revenue, r.units_sold,
                 r.units_returned)
    if got_total != total.key():
        problems.append(f"{case.window} {case.grouping}: total {got_total} != expected {total.key()}")
    return problems


async def explain(db: Database, clock: StatementClock, analyze: bool) -> str:
    out = []
    async with db.read() as conn:
        for kind in ("carts", "orders"):
            statement, parameters = clock.captured[kind]
            if db.is_sqlite:
                prefix = "EXPLAIN QUERY PLAN "
            else:
                prefix = "EXPLAIN (ANALYZE, BUFFERS) " if analyze else "EXPLAIN "
            result = await conn.exec_driver_sql(prefix + statement, parameters)
            rows = result.all()
            out.append(f"-- {kind} statement\n{statement.strip()}\n-- parameters: {parameters}\n-- plan:")
            if db.is_sqlite:
                depth: dict[int, int] = {0: 0}
                for node, parent, _, detail in rows:
                    depth[node] = depth.get(parent, 0) + 1
                    out.append("  " * depth[node] + detail)
            else:
                out.extend(row[0] for row in rows)
            out.append("")
    return "\n".join(out)


async def table_counts(db: Database) -> dict[str, int]:
    counts = {}
    async with db.read() as conn:
        for table in ("carts", "orders", "order_lines", "return_requests", "return_lines"):
            counts[table] = int(await conn.scalar(text(f"SELECT count(*) FROM {table}")))
        counts["cancelled orders"] = int(await conn.scalar(
            select(func.count()).select_from(EcommerceOrder)
            .where(EcommerceOrder.status == OrderStatus.CANCELLED)))
        counts["received returns"] = int(await conn.scalar(
            select(func.count()).select_from(ReturnRequest).where(ReturnRequest.received_at.isnot(None))))
        counts["empty carts"] = int(await conn.scalar(
            select(func.count()).select_from(Cart).where(Cart.line_count == 0)))
    return counts


async def database_size(db: Database, path: Path | None) -> int:
    if path is not None:
        return sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))
    async with db.read() as conn:
        return int(await conn.scalar(text("SELECT pg_database_size(current_database())")))


def markdown(label: str, cases: list[Case]) -> str:
    head = ("| database | window | groupBy | rows | first run ms | min ms | median ms | carts stmt median ms "
            "| orders stmt median ms |\n|---|---|---|---:|---:|---:|---:|---:|---:|")
    lines = [head]
    for c in cases:
        lines.append(f"| {label} | {c.window} | {c.grouping} | {c.rows} | {c.first_ms:.1f} | {min(c.runs_ms):.1f} "
                     f"| {statistics.median(c.runs_ms):.1f} | {statistics.median(c.carts_ms):.1f} "
                     f"| {statistics.median(c.orders_ms):.1f} |")
    return "\n".join(lines)


async def run(database_url: str, sqlite_path: Path | None, args: argparse.Namespace) -> int:
    from importlib import metadata

    label = "SQLite" if sqlite_path is not None else "PostgreSQL"
    migrate_s = migrate(database_url)
    print(f"commerce migrate: {migrate_s:.1f}s", file=sys.stderr)

    db = Database(database_url, audit_key=Settings().audit_key)
    try:
        seeder = Seeder(db, args)
        started = time.perf_counter()
        await seeder.reference_data()
        await seeder.history()
        seed_s = time.perf_counter() - started
        finish_s = await seeder.finish(args.sqlite_analyze)
    finally:
        await db.dispose()

    # A fresh Database, as a process serving the report would have.
    db = Database(database_url, audit_key=Settings().audit_key)
    try:
        clock = StatementClock(db)
        counts = await table_counts(db)
        size = await database_size(db, sqlite_path)
        if db.is_sqlite:
            async with db.read() as conn:
                engine_version = str(await conn.scalar(text("SELECT sqlite_version()")))
        else:
            async with db.read() as conn:
                engine_version = str(await conn.scalar(text("SHOW server_version")))
        load_before = os.getloadavg()
        cases = []
        for window in WINDOWS:
            for grouping in GROUPINGS:
                cases.append(await time_report(db, clock, window, grouping, args.runs))
        load_after = os.getloadavg()
        problems = [p for c in cases for p in check(c, seeder.expected)]
        # Plans: the year window grouped by channel and campaign, then the month window.
        plans = []
        for window in ("year", "month"):
            start, end = WINDOWS[window]
            await sales_report(db, start=start, end=end, group_by=[Dimension.CHANNEL, Dimension.CAMPAIGN], now=NOW,
                               abandon_after=ABANDON_AFTER)
            plans.append(f"==== {label} plans, {window} window, groupBy [CHANNEL, CAMPAIGN]\n"
                         + await explain(db, clock, args.explain_analyze))
    finally:
        await db.dispose()

    seeded = sum(v for k, v in seeder.rows.items())
    print()
    print(f"## salesReport on {label} {engine_version}")
    print()
    print(f"- machine: {os.cpu_count()} CPUs ({platform.processor() or platform.machine()}), "
          f"Python {platform.python_version()}, SQLAlchemy {metadata.version('sqlalchemy')}")
    print(f"- commerce migrate: {migrate_s:.1f}s; seed: {seed_s:.1f}s for {seeded:,} rows "
          f"({seeded / seed_s:,.0f} rows/s); "
          + ("VACUUM ANALYZE" if not db.is_sqlite else ("checkpoint + ANALYZE" if args.sqlite_analyze
                                                        else "WAL checkpoint (no ANALYZE)"))
          + f": {finish_s:.1f}s; database size {size / 2**20:.0f} MiB")
    print("- rows: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
    print(f"- now = {NOW:%Y-%m-%d}, month = [{WINDOWS['month'][0]:%Y-%m-%d}, {WINDOWS['month'][1]:%Y-%m-%d}), "
          f"year = [{WINDOWS['year'][0]:%Y-%m-%d}, {WINDOWS['year'][1]:%Y-%m-%d}); "
          f"1 warm-up + {args.runs} timed runs per case")
    for c in cases:
        if c.grouping == "[]" and c.report is not None:
            t = c.report.total
            print(f"- {c.window}: {t.carts_created:,} carts created, conversion {t.conversion_rate:.1%}, "
                  f"abandonment {t.cart_abandonment_rate:.1%}, {t.orders:,} orders, revenue {t.revenue:,}, "
                  f"AOV {t.average_order_value}, return rate {t.return_rate:.1%}")
    print(f"- load average (1/5/15 min) before timing {' / '.join(f'{x:.2f}' for x in load_before)}, "
          f"after {' / '.join(f'{x:.2f}' for x in load_after)} (on {os.cpu_count()} CPUs: above that, "
          f"other processes were competing)")
    for c in cases:
        print(f"- runs ms, {c.window} {c.grouping}: " + ", ".join(f"{ms:.0f}" for ms in c.runs_ms))
    if not db.is_sqlite:
        print("- PostgreSQL plan caching: asyncpg prepares each statement and caches it per connection, so from "
              "the 6th execution of a statement text the server may switch to a generic plan (as it would in "
              "production). The year cases reuse the statement texts of the month cases and are timed on that "
              "cached plan; the EXPLAIN ANALYZE below is a fresh custom plan.")
    print("- check against the seeded figures: " + ("OK, every report matches" if not problems else "FAILED"))
    for problem in problems:
        print(f"  - {problem}")
    print()
    print(markdown(label, cases))
    print()
    print("```")
    print("\n".join(plans).rstrip())
    print("```")
    return 1 if problems else 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    with contextlib.ExitStack() as stack:
        if args.database_url:
            database_url = stack.enter_context(postgres_database(args.database_url, keep=args.keep))
            sqlite_path = None
        else:
            workdir = Path(tempfile.mkdtemp(prefix="commerce-sales-bench-"))
            if args.keep:
                print(f"keeping {workdir}", file=sys.stderr)
            else:
                stack.callback(shutil.rmtree, workdir, ignore_errors=True)
            sqlite_path = workdir / "sales.db"
            database_url = f"sqlite+aiosqlite:///{sqlite_path}"
        return asyncio.run(run(database_url, sqlite_path, args))


if __name__ == "__main__":
    sys.exit(main())
