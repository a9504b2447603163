"""Back-office mutations over GraphQL: what each one writes, what it refuses, who may run it, and
that every successful write appends exactly one link to the audit chain (DESIGN.md section 3:
Roles, Input bounds, Audit; the Campaign status table)."""

import copy
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from itertools import product as pairs
from typing import Any

import pytest
from sqlalchemy import RowMapping, func, select, update

from app.auth import Viewer
from app.db import Database
from app.domain.audit_chain import keyed, verify_chain
from app.ids import decode_int_id, encode_id
from app.policy.permissions import Role
from models import AuditEvent, Product, ProductVariant, Stock
from tests.support import factory
from tests.support.client import GraphQLClient

USER_ERRORS = "userErrors { code message field }"
CHANNEL_FIELDS = "id slug name currency"
WAREHOUSE_FIELDS = "id code name"
DELIVERY_METHOD_FIELDS = "id name price { amount currency }"
CATEGORY_FIELDS = "id name slug description parent { slug }"
PRODUCT_FIELDS = ("id name slug description category { slug } "
                  "variants { sku name price { amount currency } quantityAvailable }")
VARIANT_FIELDS = "id sku quantityAvailable"
CAMPAIGN_FIELDS = ("id name code status discountType discountValue startsAt endsAt minSubtotal { amount } "
                   "usageLimit timesUsed channels { slug } products { edges { node { name } } }")

CHANNEL_CREATE = f"""mutation($input: ChannelCreateInput!) {{
  channelCreate(input: $input) {{ channel {{ {CHANNEL_FIELDS} }} {USER_ERRORS} }} }}"""
WAREHOUSE_CREATE = f"""mutation($input: WarehouseCreateInput!) {{
  warehouseCreate(input: $input) {{ warehouse {{ {WAREHOUSE_FIELDS} }} {USER_ERRORS} }} }}"""
DELIVERY_METHOD_CREATE = f"""mutation($input: DeliveryMethodCreateInput!) {{
  deliveryMethodCreate(input: $input) {{ deliveryMethod {{ {DELIVERY_METHOD_FIELDS} }} {USER_ERRORS} }} }}"""
CATEGORY_CREATE = f"""mutation($input: CategoryCreateInput!) {{
  categoryCreate(input: $input) {{ category {{ {CATEGORY_FIELDS} }} {USER_ERRORS} }} }}"""
PRODUCT_CREATE = f"""mutation($input: ProductCreateInput!) {{
  productCreate(input: $input) {{ product {{ {PRODUCT_FIELDS} }} {USER_ERRORS} }} }}"""
PRODUCT_UPDATE = f"""mutation($input: ProductUpdateInput!) {{
  productUpdate(input: $input) {{ product {{ {PRODUCT_FIELDS} }} {USER_ERRORS} }} }}"""
STOCK_SET = f"""mutation($input: StockSetInput!) {{
  stockSet(input: $input) {{ variant {{ {VARIANT_FIELDS} }} {USER_ERRORS} }} }}"""
CAMPAIGN_CREATE = f"""mutation($input: CampaignCreateInput!) {{
  campaignCreate(input: $input) {{ campaign {{ {CAMPAIGN_FIELDS} }} {USER_ERRORS} }} }}"""
CAMPAIGN_STATUS_UPDATE = f"""mutation($input: CampaignStatusUpdateInput!) {{
  campaignStatusUpdate(input: $input) {{ campaign {{ {CAMPAIGN_FIELDS} }} {USER_ERRORS} }} }}"""

CHANNELS_QUERY = f"{{ channels {{ {CHANNEL_FIELDS} }} }}"
WAREHOUSES_QUERY = f"{{ warehouses {{ {WAREHOUSE_FIELDS} }} }}"
CATEGORY_QUERY = f"""query($id: ID!) {{ category(id: $id) {{ {CATEGORY_FIELDS} children {{ slug }} }} }}"""
PRODUCT_QUERY = f"""query($id: ID!) {{ product(id: $id) {{ {PRODUCT_FIELDS} }} }}"""
CAMPAIGN_QUERY = f"""query($id: ID!) {{ campaign(id: $id) {{ {CAMPAIGN_FIELDS} }} }}"""
NODE_QUERY = f"""query($id: ID!) {{ node(id: $id) {{
  ... on DeliveryMethod {{ {DELIVERY_METHOD_FIELDS} }}
  ... on ProductVariant {{ {VARIANT_FIELDS} }} }} }}"""

UNKNOWN = 999_999
NUL = "Bad\x00name"
LONG_NAME = "x" * 201  # NAME_MAX is 200
LONG_CODE = "X" * 65  # CODE_MAX is 64


def gid(type_name: str, pk: int) -> str:
    return encode_id(type_name, pk)


def pk_of(global_id: str, type_name: str) -> int:
    pk = decode_int_id(global_id, type_name)
    assert pk is not None, global_id
    return pk


# --- helpers -------------------------------------------------------------------------------------

async def user_with(client: GraphQLClient, role: Role) -> Viewer:
    return await factory.make_user(client.db, f"{role.lower()}@example.com", role)


async def token_with(client: GraphQLClient, role: Role) -> str:
    return client.token_for(await user_with(client, role))


async def audit_events(client: GraphQLClient) -> list[RowMapping]:
    async with client.db.read() as conn:
        result = await conn.execute(select(AuditEvent.__table__).order_by(AuditEvent.sequence))
        return list(result.mappings())


async def row_count(db: Database, model: type[Any]) -> int:
    async with db.read() as conn:
        return int(await conn.scalar(select(func.count()).select_from(model)) or 0)


async def first_variant_id(db: Database, product_id: int) -> int:
    async with db.read() as conn:
        return int(await conn.scalar(select(func.min(ProductVariant.id))
                                     .where(ProductVariant.product_id == product_id)))


async def assert_audited_once(client: GraphQLClient, events_before: int, *, actor: Viewer, action: str,
                              subject_type: str, subject_id: int) -> RowMapping:
    """Exactly one new event, naming actor, action and subject, and the whole chain verifies."""
    events = await audit_events(client)
    assert len(events) == events_before + 1
    verification = verify_chain(events, keyed(client.db.audit_key))
    assert verification.ok, verification
    event = events[-1]
    assert (event["actor"], event["action"], event["subject_type"], event["subject_id"]) == (
        actor.label, action, subject_type, str(subject_id))
    return event


def patched(base: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    """A deep copy of `base` with each dotted path ("variants.1.sku") set to its new value."""
    result = copy.deepcopy(dict(base))
    for path, value in changes.items():
        *parents, last = path.split(".")
        target: Any = result
        for key in parents:
            target = target[int(key)] if isinstance(target, list) else target[key]
        if isinstance(target, list):
            target[int(last)] = value
        else:
            target[last] = value
    return result


def error_codes(payload: Mapping[str, Any]) -> list[tuple[str, list[str] | None]]:
    assert all(error["message"] for error in payload["userErrors"]), payload
    return [(error["code"], error["field"]) for error in payload["userErrors"]]


# --- the mutations and a valid input for each ----------------------------------------------------

async def channel_input(db: Database) -> dict[str, Any]:
    return {"slug": "mobile", "name": "Mobile App", "currency": "eur"}


async def warehouse_input(db: Database) -> dict[str, Any]:
    return {"code": "BER-1", "name": "Berlin"}


async def delivery_method_input(db: Database) -> dict[str, Any]:
    await factory.make_channel(db, "web")
    return {"name": "Courier", "price": "4.9", "channels": ["web"]}


async def category_input(db: Database) -> dict[str, Any]:
    parent = await factory.make_category(db, "Shoes")
    return {"name": "Running Shoes", "slug": "running-shoes", "description": "For the road.",
            "parentId": gid("Category", parent)}


async def product_input(db: Database) -> dict[str, Any]:
    warehouse = await factory.make_warehouse(db, "MAIN")
    category = await factory.make_category(db, "Shoes")
    return {"name": "Trail Runner", "slug": "trail-runner", "description": "Grippy.",
            "categoryId": gid("Category", category), "variants": [
                {"sku": "TR-42", "name": "42", "price": "59.90",
                 "stock": [{"warehouseId": gid("Warehouse", warehouse), "quantity": 5}]},
                {"sku": "TR-43", "name": "43", "price": "54.90", "stock": []},
            ]}


async def product_update_input(db: Database) -> dict[str, Any]:
    product = await factory.make_product(db, "Trail Runner")
    category = await factory.make_category(db, "Outdoor")
    return {"productId": gid("Product", product), "name": "Trail Runner II", "description": "Now lighter.",
            "categoryId": gid("Category", category)}


async def stock_input(db: Database) -> dict[str, Any]:
    warehouse = await factory.make_warehouse(db, "MAIN")
    product = await factory.make_product(db, "Trail Runner", stock={warehouse: 3})
    return {"variantId": gid("ProductVariant", await first_variant_id(db, product)),
            "warehouseId": gid("Warehouse", warehouse), "quantity": 7, "reason": "Stocktake"}


async def campaign_input(db: Database) -> dict[str, Any]:
    await factory.make_channel(db, "web")
    product = await factory.make_product(db, "Trail Runner")
    return {"name": "Summer sale", "code": "summer10", "discountType": "PERCENTAGE", "discountValue": "10",
            "startsAt": "2030-06-01T00:00:00+00:00", "endsAt": "2030-09-01T00:00:00+00:00",
            "minSubtotal": "50.00", "usageLimit": 100, "channels": ["web"],
            "productIds": [gid("Product", product)]}


async def campaign_status_input(db: Database) -> dict[str, Any]:
    campaign = await factory.make_campaign(db, "Summer sale", status="DRAFT")
    return {"campaignId": gid("Campaign", campaign), "status": "ACTIVE"}


CATALOG_ROLES = frozenset({Role.MERCHANDISER, Role.ADMIN})
STOCK_ROLES = frozenset({Role.FULFILLMENT, Role.MERCHANDISER, Role.ADMIN})
STORE_ROLES = frozenset({Role.ADMIN})


@dataclass(frozen=True)
class BackOffice:
    document: str
    result: str  # the payload field holding the written object
    allowed: frozenset[Role]
    valid_input: Callable[[Database], Awaitable[dict[str, Any]]]


MUTATIONS: dict[str, BackOffice] = {
    "channelCreate": BackOffice(CHANNEL_CREATE, "channel", STORE_ROLES, channel_input),
    "warehouseCreate": BackOffice(WAREHOUSE_CREATE, "warehouse", STORE_ROLES, warehouse_input),
    "deliveryMethodCreate": BackOffice(DELIVERY_METHOD_CREATE, "deliveryMethod", STORE_ROLES,
                                       delivery_method_input),
    "categoryCreate": BackOffice(CATEGORY_CREATE, "category", CATALOG_ROLES, category_input),
    "productCreate": BackOffice(PRODUCT_CREATE, "product", CATALOG_ROLES, product_input),
    "productUpdate": BackOffice(PRODUCT_UPDATE, "product", CATALOG_ROLES, product_update_input),
    "stockSet": BackOffice(STOCK_SET, "variant", STOCK_ROLES, stock_input),
    "campaignCreate": BackOffice(CAMPAIGN_CREATE, "campaign", CATALOG_ROLES, campaign_input),
    "campaignStatusUpdate": BackOffice(CAMPAIGN_STATUS_UPDATE, "campaign", CATALOG_ROLES,
                                       campaign_status_input),
}


async def run(client: GraphQLClient, mutation: str, input_: Mapping[str, Any],
              token: str | None) -> dict[str, Any]:
    """The mutation's payload; a business refusal must come as userErrors, never a top-level error."""
    data = await client.data(MUTATIONS[mutation].document, {"input": input_}, token=token)
    return data[mutation]  # type: ignore[no-any-return]


async def run_ok(client: GraphQLClient, mutation: str, input_: Mapping[str, Any],
                 token: str) -> dict[str, Any]:
    payload = await run(client, mutation, input_, token)
    assert payload["userErrors"] == [], payload["userErrors"]
    return payload[MUTATIONS[mutation].result]  # type: ignore[no-any-return]


# --- successful writes ---------------------------------------------------------------------------

async def test_admin_creates_a_channel_that_the_channel_list_shows(client: GraphQLClient) -> None:
    admin = await user_with(client, Role.ADMIN)
    events = len(await audit_events(client))
    channel = await run_ok(client, "channelCreate", await channel_input(client.db), client.token_for(admin))
    assert channel | {"id": None} == {"id": None, "slug": "mobile", "name": "Mobile App", "currency": "EUR"}
    assert (await client.data(CHANNELS_QUERY))["channels"] == [channel]
    await assert_audited_once(client, events, actor=admin, action="channel.create", subject_type="Channel",
                              subject_id=pk_of(channel["id"], "Channel"))


async def test_a_channel_without_currency_gets_the_store_currency(client: GraphQLClient) -> None:
    token = await token_with(client, Role.ADMIN)
    channel = await run_ok(client, "channelCreate", {"slug": "web", "name": "Web"}, token)
    assert channel["currency"] == client.settings.currency


async def test_admin_creates_a_warehouse_that_the_warehouse_list_shows(client: GraphQLClient) -> None:
    admin = await user_with(client, Role.ADMIN)
    token = client.token_for(admin)
    events = len(await audit_events(client))
    warehouse = await run_ok(client, "warehouseCreate", await warehouse_input(client.db), token)
    assert warehouse | {"id": None} == {"id": None, "code": "BER-1", "name": "Berlin"}
    assert (await client.data(WAREHOUSES_QUERY, token=token))["warehouses"] == [warehouse]
    await assert_audited_once(client, events, actor=admin, action="warehouse.create",
                              subject_type="Warehouse", subject_id=pk_of(warehouse["id"], "Warehouse"))


async def test_admin_creates_a_delivery_method_priced_in_minor_units(client: GraphQLClient) -> None:
    admin = await user_with(client, Role.ADMIN)
    input_ = await delivery_method_input(client.db)
    events = len(await audit_events(client))
    method = await run_ok(client, "deliveryMethodCreate", input_, client.token_for(admin))
    assert method | {"id": None} == {"id": None, "name": "Courier",
                                     "price": {"amount": "4.90", "currency": client.settings.currency}}
    assert (await client.data(NODE_QUERY, {"id": method["id"]}))["node"] == method
    event = await assert_audited_once(client, events, actor=admin, action="delivery_method.create",
                                      subject_type="DeliveryMethod",
                                      subject_id=pk_of(method["id"], "DeliveryMethod"))
    assert '"channels":["web"]' in event["data"]


async def test_merchandiser_creates_a_subcategory_under_its_parent(client: GraphQLClient) -> None:
    merchandiser = await user_with(client, Role.MERCHANDISER)
    input_ = await category_input(client.db)
    events = len(await audit_events(client))
    category = await run_ok(client, "categoryCreate", input_, client.token_for(merchandiser))
    assert category | {"id": None} == {"id": None, "name": "Running Shoes", "slug": "running-shoes",
                                       "description": "For the road.", "parent": {"slug": "shoes"}}
    read = (await client.data(CATEGORY_QUERY, {"id": category["id"]}))["category"]
    assert read == category | {"children": []}
    parent = (await client.data(CATEGORY_QUERY, {"id": input_["parentId"]}))["category"]
    assert parent["children"] == [{"slug": "running-shoes"}]
    await assert_audited_once(client, events, actor=merchandiser, action="category.create",
                              subject_type="Category", subject_id=pk_of(category["id"], "Category"))


async def test_merchandiser_creates_a_product_with_variants_and_initial_stock(client: GraphQLClient) -> None:
    merchandiser = await user_with(client, Role.MERCHANDISER)
    input_ = await product_input(client.db)
    events = len(await audit_events(client))
    product = await run_ok(client, "productCreate", input_, client.token_for(merchandiser))
    currency = client.settings.currency
    assert product | {"id": None} == {
        "id": None, "name": "Trail Runner", "slug": "trail-runner", "description": "Grippy.",
        "category": {"slug": "shoes"}, "variants": [
            {"sku": "TR-42", "name": "42", "price": {"amount": "59.90", "currency": currency},
             "quantityAvailable": 5},
            {"sku": "TR-43", "name": "43", "price": {"amount": "54.90", "currency": currency},
             "quantityAvailable": 0},
        ]}
    assert (await client.data(PRODUCT_QUERY, {"id": product["id"]}))["product"] == product
    await assert_audited_once(client, events, actor=merchandiser, action="product.create",
                              subject_type="Product", subject_id=pk_of(product["id"], "Product"))


@pytest.mark.parametrize(("mutation", "second_changes"), [
    ("categoryCreate", {}),
    ("productCreate", {"variants.0.sku": "B-1", "variants.1.sku": "B-2"}),
])
async def test_a_slug_left_out_is_derived_from_the_name_and_kept_unique(
        client: GraphQLClient, mutation: str, second_changes: Mapping[str, Any]) -> None:
    token = await token_with(client, Role.ADMIN)
    input_ = patched(await MUTATIONS[mutation].valid_input(client.db), {"name": "Red & Blue Shoes!"})
    del input_["slug"]
    first = await run_ok(client, mutation, input_, token)
    second = await run_ok(client, mutation, patched(input_, second_changes), token)
    assert (first["slug"], second["slug"]) == ("red-blue-shoes", "red-blue-shoes-2")


async def test_merchandiser_renames_and_recategorises_a_product(client: GraphQLClient) -> None:
    merchandiser = await user_with(client, Role.MERCHANDISER)
    input_ = await product_update_input(client.db)
    events = len(await audit_events(client))
    product = await run_ok(client, "productUpdate", input_, client.token_for(merchandiser))
    assert (product["name"], product["description"], product["category"]) == (
        "Trail Runner II", "Now lighter.", {"slug": "outdoor"})
    assert product["slug"] == "trail-runner"
    assert (await client.data(PRODUCT_QUERY, {"id": product["id"]}))["product"] == product
    event = await assert_audited_once(client, events, actor=merchandiser, action="product.update",
                                      subject_type="Product", subject_id=pk_of(product["id"], "Product"))
    before = ('"before":{"categoryId":null,"description":"About Trail Runner","name":"Trail Runner",'
              '"slug":"trail-runner","status":"ACTIVE"}')
    assert before in event["data"]


async def test_a_product_update_leaves_omitted_fields_as_they_are(client: GraphQLClient) -> None:
    token = await token_with(client, Role.MERCHANDISER)
    input_ = await product_update_input(client.db)
    await run_ok(client, "productUpdate", input_, token)
    rename = {"productId": input_["productId"], "name": "Trail Runner III"}
    product = await run_ok(client, "productUpdate", rename, token)
    assert (product["name"], product["description"], product["category"]) == (
        "Trail Runner III", "Now lighter.", {"slug": "outdoor"})


@pytest.mark.parametrize("warehouse", ["same warehouse", "another warehouse"])
async def test_fulfillment_sets_units_on_hand_in_a_warehouse(client: GraphQLClient, warehouse: str) -> None:
    clerk = await user_with(client, Role.FULFILLMENT)
    input_ = await stock_input(client.db)
    expected_available = 7
    if warehouse == "another warehouse":
        other = await factory.make_warehouse(client.db, "SPARE")
        input_["warehouseId"] = gid("Warehouse", other)
        expected_available = 3 + 7
    events = len(await audit_events(client))
    variant = await run_ok(client, "stockSet", input_, client.token_for(clerk))
    assert variant == {"id": input_["variantId"], "sku": "TRAIL-RUNNER-0",
                       "quantityAvailable": expected_available}
    assert (await client.data(NODE_QUERY, {"id": variant["id"]}))["node"] == variant
    event = await assert_audited_once(client, events, actor=clerk, action="stock.set",
                                      subject_type="ProductVariant",
                                      subject_id=pk_of(variant["id"], "ProductVariant"))
    before = 3 if warehouse == "same warehouse" else 0
    assert f'"onHand":{{"after":7,"before":{before}}}' in event["data"]


async def set_allocated(db: Database, variant_id: int, *, on_hand: int, allocated: int) -> None:
    """What checkout does to a stock row (no checkout mutation exists in this API slice yet)."""
    async with db.write_engine.begin() as conn:
        await conn.execute(update(Stock).where(Stock.variant_id == variant_id)
                           .values(on_hand=on_hand, allocated=allocated))


async def test_stock_cannot_be_set_below_the_units_allocated_to_orders(client: GraphQLClient) -> None:
    token = await token_with(client, Role.FULFILLMENT)
    input_ = await stock_input(client.db)
    await set_allocated(client.db, pk_of(input_["variantId"], "ProductVariant"), on_hand=6, allocated=5)
    events = len(await audit_events(client))

    refused = await run(client, "stockSet", input_ | {"quantity": 4}, token)
    assert error_codes(refused) == [("INVALID", ["input", "quantity"])]
    assert "5" in refused["userErrors"][0]["message"]
    assert (await client.data(NODE_QUERY, {"id": input_["variantId"]}))["node"]["quantityAvailable"] == 1
    assert len(await audit_events(client)) == events

    exactly_allocated = await run_ok(client, "stockSet", input_ | {"quantity": 5}, token)
    assert exactly_allocated["quantityAvailable"] == 0


async def test_merchandiser_creates_a_campaign_in_draft(client: GraphQLClient) -> None:
    merchandiser = await user_with(client, Role.MERCHANDISER)
    input_ = await campaign_input(client.db)
    events = len(await audit_events(client))
    campaign = await run_ok(client, "campaignCreate", input_, client.token_for(merchandiser))
    assert campaign | {"id": None} == {
        "id": None, "name": "Summer sale", "code": "SUMMER10", "status": "DRAFT",
        "discountType": "PERCENTAGE", "discountValue": "10.00", "startsAt": "2030-06-01T00:00:00+00:00",
        "endsAt": "2030-09-01T00:00:00+00:00", "minSubtotal": {"amount": "50.00"}, "usageLimit": 100,
        "timesUsed": 0, "channels": [{"slug": "web"}],
        "products": {"edges": [{"node": {"name": "Trail Runner"}}]}}
    # a DRAFT campaign is unreleased: only campaign staff read it back (anonymous callers get null)
    assert (await client.data(CAMPAIGN_QUERY, {"id": campaign["id"]}))["campaign"] is None
    assert (await client.data(CAMPAIGN_QUERY, {"id": campaign["id"]},
                              token=client.token_for(merchandiser)))["campaign"] == campaign
    event = await assert_audited_once(client, events, actor=merchandiser, action="campaign.create",
                                      subject_type="Campaign", subject_id=pk_of(campaign["id"], "Campaign"))
    assert (event["from_status"], event["to_status"]) == (None, "DRAFT")


@pytest.mark.parametrize(("discount_type", "value"), [("FIXED_AMOUNT", "5.00"), ("FREE_SHIPPING", "0"),
                                                      ("PERCENTAGE", "100")])
async def test_campaigns_of_every_discount_type_can_be_created(client: GraphQLClient, discount_type: str,
                                                               value: str) -> None:
    token = await token_with(client, Role.MERCHANDISER)
    input_ = {"name": "Deal", "discountType": discount_type, "discountValue": value}
    campaign = await run_ok(client, "campaignCreate", input_, token)
    assert (campaign["discountType"], campaign["code"], campaign["channels"]) == (discount_type, None, [])


@pytest.mark.parametrize(("changes", "field"), [
    pytest.param({"startsAt": "2030-06-01T00:00:00", "endsAt": None}, "startsAt", id="naive start"),
    pytest.param({"endsAt": "2030-09-01T00:00:00"}, "endsAt", id="naive end after an aware start"),
])
async def test_a_campaign_date_without_a_time_zone_is_read_as_utc_or_refused_never_an_unexpected_error(
        client: GraphQLClient, changes: Mapping[str, Any], field: str) -> None:
    token = await token_with(client, Role.MERCHANDISER)
    payload = await run(client, "campaignCreate", patched(await campaign_input(client.db), changes), token)
    if payload["campaign"] is None:
        assert error_codes(payload) == [("INVALID", ["input", field])]
    else:
        assert payload["campaign"][field] == changes[field] + "+00:00"


async def test_merchandiser_activates_a_draft_campaign(client: GraphQLClient) -> None:
    merchandiser = await user_with(client, Role.MERCHANDISER)
    input_ = await campaign_status_input(client.db)
    events = len(await audit_events(client))
    campaign = await run_ok(client, "campaignStatusUpdate", input_, client.token_for(merchandiser))
    assert (campaign["id"], campaign["status"]) == (input_["campaignId"], "ACTIVE")
    assert (await client.data(CAMPAIGN_QUERY, {"id": campaign["id"]}))["campaign"] == campaign
    event = await assert_audited_once(client, events, actor=merchandiser, action="campaign.status",
                                      subject_type="Campaign", subject_id=pk_of(campaign["id"], "Campaign"))
    assert (event["from_status"], event["to_status"]) == ("DRAFT", "ACTIVE")


# --- the campaign status table -------------------------------------------------------------------

CAMPAIGN_STATUSES = ("DRAFT", "SCHEDULED", "ACTIVE", "PAUSED", "ENDED")
# DESIGN.md, spelled out here rather than imported, so that the table in the code is what is tested:
# DRAFT -> SCHEDULED | ACTIVE; SCHEDULED -> ACTIVE | ENDED; ACTIVE <-> PAUSED; ACTIVE/PAUSED -> ENDED.
CAMPAIGN_MOVES = frozenset({("DRAFT", "SCHEDULED"), ("DRAFT", "ACTIVE"), ("SCHEDULED", "ACTIVE"),
                            ("SCHEDULED", "ENDED"), ("ACTIVE", "PAUSED"), ("PAUSED", "ACTIVE"),
                            ("ACTIVE", "ENDED"), ("PAUSED", "ENDED")})
PATH_FROM_DRAFT = {"DRAFT": (), "SCHEDULED": ("SCHEDULED",), "ACTIVE": ("ACTIVE",),
                   "PAUSED": ("ACTIVE", "PAUSED"), "ENDED": ("ACTIVE", "ENDED")}
ALLOWED_MOVES = [pytest.param(a, b, id=f"{a}->{b}") for a, b in pairs(CAMPAIGN_STATUSES, repeat=2)
                 if (a, b) in CAMPAIGN_MOVES]
FORBIDDEN_MOVES = [pytest.param(a, b, id=f"{a}->{b}") for a, b in pairs(CAMPAIGN_STATUSES, repeat=2)
                   if (a, b) not in CAMPAIGN_MOVES]


async def campaign_in(client: GraphQLClient, status: str, token: str) -> str:
    """The global id of a new campaign walked from DRAFT to `status` through allowed moves."""
    campaign_id = gid("Campaign", await factory.make_campaign(client.db, "Summer sale", status="DRAFT"))
    for step in PATH_FROM_DRAFT[status]:
        await run_ok(client, "campaignStatusUpdate", {"campaignId": campaign_id, "status": step}, token)
    return campaign_id


@pytest.mark.parametrize(("current", "target"), ALLOWED_MOVES)
async def test_every_campaign_move_the_status_table_allows_succeeds(client: GraphQLClient, current: str,
                                                                     target: str) -> None:
    merchandiser = await user_with(client, Role.MERCHANDISER)
    token = client.token_for(merchandiser)
    campaign_id = await campaign_in(client, current, token)
    events = len(await audit_events(client))
    move = {"campaignId": campaign_id, "status": target}
    campaign = await run_ok(client, "campaignStatusUpdate", move, token)
    assert campaign["status"] == target
    assert (await client.data(CAMPAIGN_QUERY, {"id": campaign_id}, token=token))["campaign"]["status"] == target
    event = await assert_audited_once(client, events, actor=merchandiser, action="campaign.status",
                                      subject_type="Campaign", subject_id=pk_of(campaign_id, "Campaign"))
    assert (event["from_status"], event["to_status"]) == (current, target)


@pytest.mark.parametrize(("current", "target"), FORBIDDEN_MOVES)
async def test_every_campaign_move_the_status_table_forbids_is_an_invalid_transition(
        client: GraphQLClient, current: str, target: str) -> None:
    token = await token_with(client, Role.MERCHANDISER)
    campaign_id = await campaign_in(client, current, token)
    events = len(await audit_events(client))
    payload = await run(client, "campaignStatusUpdate", {"campaignId": campaign_id, "status": target}, token)
    assert payload["campaign"] is None
    assert error_codes(payload) == [("INVALID_TRANSITION", ["input", "status"])]
    assert (await client.data(CAMPAIGN_QUERY, {"id": campaign_id}, token=token))["campaign"]["status"] == current
    assert len(await audit_events(client)) == events


# --- refusals: REQUIRED, INVALID, NOT_FOUND at the field at fault --------------------------------

def refusal(mutation: str, changes: Mapping[str, Any], code: str, *, why: str,
            field: str | None = None) -> Any:
    """One bad input: `changes` applied to the mutation's valid input; the error points at `field`
    (default: the one changed path)."""
    path = field or next(iter(changes))
    return pytest.param(mutation, changes, code, ["input", *path.split(".")], id=f"{mutation}: {why}")


STARTS = "2030-06-01T00:00:00+00:00"
REFUSALS = [
    refusal("channelCreate", {"slug": "  "}, "REQUIRED", why="blank slug"),
    refusal("channelCreate", {"name": ""}, "REQUIRED", why="blank name"),
    refusal("channelCreate", {"slug": "Web Shop"}, "INVALID", why="slug with capitals and a space"),
    refusal("channelCreate", {"slug": "a" * 201}, "INVALID", why="slug too long"),
    refusal("channelCreate", {"name": LONG_NAME}, "INVALID", why="name too long"),
    refusal("channelCreate", {"name": NUL}, "INVALID", why="name with NUL"),
    refusal("channelCreate", {"currency": "EURO"}, "INVALID", why="four-letter currency"),
    refusal("channelCreate", {"currency": "E1R"}, "INVALID", why="currency with a digit"),
    refusal("channelCreate", {"currency": "ÉUR"}, "INVALID", why="currency with a non-ASCII letter"),
    refusal("warehouseCreate", {"code": " "}, "REQUIRED", why="blank code"),
    refusal("warehouseCreate", {"name": ""}, "REQUIRED", why="blank name"),
    refusal("warehouseCreate", {"code": LONG_CODE}, "INVALID", why="code too long"),
    refusal("warehouseCreate", {"code": "A\x00B"}, "INVALID", why="code with NUL"),
    refusal("deliveryMethodCreate", {"name": " "}, "REQUIRED", why="blank name"),
    refusal("deliveryMethodCreate", {"name": NUL}, "INVALID", why="name with NUL"),
    refusal("deliveryMethodCreate", {"price": "-1.00"}, "INVALID", why="negative price"),
    refusal("deliveryMethodCreate", {"price": "1.999"}, "INVALID", why="price below the minor unit"),
    refusal("deliveryMethodCreate", {"price": "100000000.00"}, "INVALID", why="price too big"),
    refusal("deliveryMethodCreate", {"channels": ["nowhere"]}, "NOT_FOUND", why="unknown channel slug"),
    refusal("deliveryMethodCreate", {"channels": ["web"] * 101}, "INVALID", why="more than 100 channels"),
    refusal("categoryCreate", {"name": ""}, "REQUIRED", why="blank name"),
    refusal("categoryCreate", {"name": NUL}, "INVALID", why="name with NUL"),
    refusal("categoryCreate", {"name": LONG_NAME}, "INVALID", why="name too long"),
    refusal("categoryCreate", {"slug": "Running Shoes"}, "INVALID", why="slug not URL-safe"),
    refusal("categoryCreate", {"description": "x" * 10_001}, "INVALID", why="description too long"),
    refusal("categoryCreate", {"parentId": gid("Category", UNKNOWN)}, "NOT_FOUND", why="unknown parent"),
    refusal("categoryCreate", {"parentId": "not-an-id"}, "INVALID", why="malformed parent id"),
    refusal("categoryCreate", {"parentId": gid("Product", 1)}, "INVALID", why="parent id of another type"),
    refusal("productCreate", {"name": "  "}, "REQUIRED", why="blank name"),
    refusal("productCreate", {"name": NUL}, "INVALID", why="name with NUL"),
    refusal("productCreate", {"slug": "trail_runner"}, "INVALID", why="slug not URL-safe"),
    refusal("productCreate", {"description": "Grip\x00py"}, "INVALID", why="description with NUL"),
    refusal("productCreate", {"variants": []}, "REQUIRED", why="no variants"),
    refusal("productCreate", {"variants": [{"sku": "S", "name": "N", "price": "1.00"}] * 101}, "INVALID",
            why="more than 100 variants"),
    refusal("productCreate", {"variants.1.sku": " "}, "REQUIRED", why="blank SKU in variant 2"),
    refusal("productCreate", {"variants.1.sku": "TR-42"}, "INVALID", why="SKU repeated in variant 2"),
    refusal("productCreate", {"variants.1.sku": LONG_CODE}, "INVALID", why="SKU too long"),
    refusal("productCreate", {"variants.0.name": ""}, "REQUIRED", why="blank variant name"),
    refusal("productCreate", {"variants.1.price": "-5.00"}, "INVALID", why="negative price"),
    refusal("productCreate", {"variants.1.price": "5.001"}, "INVALID", why="price below the minor unit"),
    refusal("productCreate", {"variants.0.stock.0.quantity": -1}, "INVALID", why="negative stock"),
    refusal("productCreate", {"variants.0.stock.0.warehouseId": "garbage"}, "INVALID",
            why="malformed warehouse id"),
    refusal("productCreate", {"categoryId": gid("Category", UNKNOWN)}, "NOT_FOUND", why="unknown category"),
    refusal("productCreate", {"categoryId": "%%%"}, "INVALID", why="malformed category id"),
    refusal("productUpdate", {"productId": gid("Product", UNKNOWN)}, "NOT_FOUND", why="unknown product"),
    refusal("productUpdate", {"productId": gid("Category", 1)}, "INVALID", why="product id of another type"),
    refusal("productUpdate", {"productId": "not-an-id"}, "INVALID", why="malformed product id"),
    refusal("productUpdate", {"name": "  "}, "REQUIRED", why="blank name"),
    refusal("productUpdate", {"name": LONG_NAME}, "INVALID", why="name too long"),
    refusal("productUpdate", {"description": NUL}, "INVALID", why="description with NUL"),
    refusal("productUpdate", {"categoryId": gid("Category", UNKNOWN)}, "NOT_FOUND", why="unknown category"),
    refusal("productUpdate", {"categoryId": "not-an-id"}, "INVALID", why="malformed category id"),
    refusal("stockSet", {"quantity": -1}, "INVALID", why="negative quantity"),
    refusal("stockSet", {"quantity": 1_000_000_001}, "INVALID", why="quantity too big"),
    refusal("stockSet", {"reason": " "}, "REQUIRED", why="blank reason"),
    refusal("stockSet", {"reason": NUL}, "INVALID", why="reason with NUL"),
    refusal("stockSet", {"variantId": gid("ProductVariant", UNKNOWN)}, "NOT_FOUND", why="unknown variant"),
    refusal("stockSet", {"variantId": "not-an-id"}, "INVALID", why="malformed variant id"),
    refusal("stockSet", {"warehouseId": gid("Warehouse", UNKNOWN)}, "NOT_FOUND", why="unknown warehouse"),
    refusal("stockSet", {"warehouseId": gid("Channel", 1)}, "INVALID", why="warehouse id of another type"),
    refusal("campaignCreate", {"name": " "}, "REQUIRED", why="blank name"),
    refusal("campaignCreate", {"name": NUL}, "INVALID", why="name with NUL"),
    refusal("campaignCreate", {"code": "SUMMER 10"}, "INVALID", why="code with a space"),
    refusal("campaignCreate", {"code": LONG_CODE}, "INVALID", why="code too long"),
    refusal("campaignCreate", {"discountValue": "100.01"}, "INVALID", why="percentage above 100"),
    refusal("campaignCreate", {"discountValue": "0"}, "INVALID", why="zero percentage"),
    refusal("campaignCreate", {"discountValue": "-10"}, "INVALID", why="negative percentage"),
    refusal("campaignCreate", {"discountType": "FIXED_AMOUNT", "discountValue": "-5.00"}, "INVALID",
            why="negative fixed amount", field="discountValue"),
    refusal("campaignCreate", {"endsAt": "2030-05-31T00:00:00+00:00"}, "INVALID",
            why="ends before it starts"),
    refusal("campaignCreate", {"endsAt": STARTS}, "INVALID", why="ends when it starts"),
    refusal("campaignCreate", {"minSubtotal": "-1.00"}, "INVALID", why="negative minimum subtotal"),
    refusal("campaignCreate", {"usageLimit": 0}, "INVALID", why="usage limit 0"),
    refusal("campaignCreate", {"usageLimit": -3}, "INVALID", why="negative usage limit"),
    refusal("campaignCreate", {"channels": ["nowhere"]}, "NOT_FOUND", why="unknown channel slug"),
    refusal("campaignCreate", {"productIds": [gid("Product", UNKNOWN)]}, "NOT_FOUND", why="unknown product"),
    refusal("campaignCreate", {"productIds.0": "garbage"}, "INVALID", why="malformed product id"),
    refusal("campaignStatusUpdate", {"campaignId": gid("Campaign", UNKNOWN)}, "NOT_FOUND",
            why="unknown campaign"),
    refusal("campaignStatusUpdate", {"campaignId": "not-an-id"}, "INVALID", why="malformed campaign id"),
]


@pytest.mark.parametrize(("mutation", "changes", "code", "field"), REFUSALS)
async def test_bad_input_is_refused_with_a_code_at_the_field_and_writes_nothing(
        client: GraphQLClient, mutation: str, changes: Mapping[str, Any], code: str,
        field: list[str]) -> None:
    token = await token_with(client, Role.ADMIN)
    input_ = patched(await MUTATIONS[mutation].valid_input(client.db), changes)
    events = len(await audit_events(client))
    payload = await run(client, mutation, input_, token)
    assert payload[MUTATIONS[mutation].result] is None
    assert error_codes(payload) == [(code, field)]
    assert len(await audit_events(client)) == events


async def test_every_problem_of_an_input_is_reported_at_once(client: GraphQLClient) -> None:
    token = await token_with(client, Role.ADMIN)
    input_ = patched(await product_input(client.db), {"name": "", "variants.1.price": "-1.00",
                                                      "variants.1.sku": "TR-42"})
    payload = await run(client, "productCreate", input_, token)
    assert sorted(error_codes(payload)) == [("INVALID", ["input", "variants", "1", "price"]),
                                            ("INVALID", ["input", "variants", "1", "sku"]),
                                            ("REQUIRED", ["input", "name"])]


async def test_a_product_with_stock_in_an_unknown_warehouse_is_not_found(client: GraphQLClient) -> None:
    token = await token_with(client, Role.ADMIN)
    input_ = patched(await product_input(client.db),
                     {"variants.1.stock": [{"warehouseId": gid("Warehouse", UNKNOWN), "quantity": 1}]})
    payload = await run(client, "productCreate", input_, token)
    assert payload["product"] is None
    [(code, field)] = error_codes(payload)
    assert code == "NOT_FOUND"
    assert field is not None and field[:2] == ["input", "variants"]


LONGEST_TEXTS = [
    pytest.param("channelCreate", "slug", "a" * 200, id="channel slug"),
    pytest.param("channelCreate", "name", "N" * 200, id="channel name"),
    pytest.param("warehouseCreate", "code", "C" * 64, id="warehouse code"),
    pytest.param("warehouseCreate", "name", "N" * 200, id="warehouse name"),
    pytest.param("categoryCreate", "slug", "s" * 200, id="category slug"),
    pytest.param("productCreate", "slug", "p" * 200, id="product slug"),
    pytest.param("campaignCreate", "code", "C" * 64, id="campaign code"),
]


@pytest.mark.parametrize(("mutation", "field", "value"), LONGEST_TEXTS)
async def test_text_at_the_validated_length_limit_is_stored_whole_or_refused_never_an_unexpected_error(
        client: GraphQLClient, mutation: str, field: str, value: str) -> None:
    """Whatever length the input check lets through must fit the column on both backends."""
    token = await token_with(client, Role.ADMIN)
    payload = await run(client, mutation, patched(await MUTATIONS[mutation].valid_input(client.db),
                                                  {field: value}), token)
    written = payload[MUTATIONS[mutation].result]
    if written is None:
        assert error_codes(payload) == [("INVALID", ["input", field])]
    else:
        assert written[field] == value


DUPLICATES = [
    pytest.param("channelCreate", {"name": "Other"}, "slug", id="channel slug"),
    pytest.param("warehouseCreate", {"name": "Other"}, "code", id="warehouse code"),
    pytest.param("categoryCreate", {"name": "Other"}, "slug", id="category slug"),
    pytest.param("productCreate", {"name": "Other", "variants.0.sku": "O-1", "variants.1.sku": "O-2"}, "slug",
                 id="product slug"),
    pytest.param("productCreate", {"slug": "other", "variants.0.sku": "O-1"}, "variants.1.sku",
                 id="SKU of another product"),
    pytest.param("campaignCreate", {"name": "Other", "code": "Summer10"}, "code",
                 id="campaign code in other letter case"),
]


@pytest.mark.parametrize(("mutation", "changes", "field"), DUPLICATES)
async def test_a_unique_key_already_taken_is_invalid(client: GraphQLClient, mutation: str,
                                                     changes: Mapping[str, Any], field: str) -> None:
    token = await token_with(client, Role.ADMIN)
    input_ = await MUTATIONS[mutation].valid_input(client.db)
    await run_ok(client, mutation, input_, token)
    payload = await run(client, mutation, patched(input_, changes), token)
    assert payload[MUTATIONS[mutation].result] is None
    assert error_codes(payload) == [("INVALID", ["input", *field.split(".")])]


async def test_a_product_refused_for_a_taken_sku_in_variant_2_leaves_nothing_behind(
        client: GraphQLClient) -> None:
    token = await token_with(client, Role.MERCHANDISER)
    input_ = await product_input(client.db)
    await factory.make_product(client.db, "Taken")  # its variant's SKU is TAKEN-0
    before = [await row_count(client.db, model) for model in (Product, ProductVariant, Stock)]
    events = len(await audit_events(client))
    payload = await run(client, "productCreate", patched(input_, {"variants.1.sku": "TAKEN-0"}), token)
    assert error_codes(payload) == [("INVALID", ["input", "variants", "1", "sku"])]
    assert [await row_count(client.db, model) for model in (Product, ProductVariant, Stock)] == before
    assert len(await audit_events(client)) == events
    assert (await client.data('{ product(slug: "trail-runner") { id } }'))["product"] is None


# --- roles ---------------------------------------------------------------------------------------

ROLES: Sequence[Role | None] = (None, *Role)


def role_cases(allowed: bool) -> list[Any]:
    return [pytest.param(mutation, role, id=f"{mutation} by {role or 'anonymous'}")
            for mutation, spec in MUTATIONS.items() for role in ROLES
            if (role in spec.allowed) == allowed]


async def token_or_anonymous(client: GraphQLClient, role: Role | None) -> str | None:
    return await token_with(client, role) if role else None


@pytest.mark.parametrize(("mutation", "role"), role_cases(allowed=False))
async def test_roles_the_roles_table_leaves_out_are_denied(client: GraphQLClient, mutation: str,
                                                           role: Role | None) -> None:
    token = await token_or_anonymous(client, role)
    input_ = await MUTATIONS[mutation].valid_input(client.db)
    events = len(await audit_events(client))
    payload = await run(client, mutation, input_, token)
    assert payload[MUTATIONS[mutation].result] is None
    assert [error["code"] for error in payload["userErrors"]] == ["PERMISSION_DENIED"]
    assert len(await audit_events(client)) == events


@pytest.mark.parametrize(("mutation", "role"), role_cases(allowed=True))
async def test_roles_the_roles_table_names_may_run_the_mutation(client: GraphQLClient, mutation: str,
                                                                role: Role) -> None:
    token = await token_with(client, role)
    written = await run_ok(client, mutation, await MUTATIONS[mutation].valid_input(client.db), token)
    assert written["id"]
