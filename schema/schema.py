"""The schema: root types assembled from resolvers/, protected by limits and error masking."""

from datetime import datetime
from typing import Any

import strawberry
from strawberry.extensions import (
    AddValidationRules,
    DisableIntrospection,
    MaskErrors,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    ValidationCache,
)
from strawberry.schema.config import StrawberryConfig

from resolvers.account import AccountMutation, AccountQuery
from resolvers.audit import AuditQuery
from resolvers.campaign import CampaignMutation, CampaignQuery
from resolvers.cart import CartMutation, CartQuery
from resolvers.catalog import CatalogMutation, CatalogQuery
from resolvers.fulfillment import FulfillmentMutation
from resolvers.node import NodeQuery
from resolvers.order import OrderMutation, OrderQuery
from resolvers.reports import ReportQuery
from resolvers.returns import ReturnMutation, ReturnQuery
from resolvers.store import StoreMutation, StoreQuery
from resolvers.subscriptions import Subscription
from resolvers.webhooks import WebhookMutation, WebhookQuery
from schema.account import Customer
from schema.common import DateTime
from schema.errors import should_mask
from schema.extensions import HideSuggestions
from schema.store import DeliveryMethod

MAX_DEPTH = 12
MAX_ALIASES = 30
MAX_TOKENS = 5000


@strawberry.type(description="Everything a client can read.")
class Query(NodeQuery, StoreQuery, CatalogQuery, CampaignQuery, AccountQuery, CartQuery, OrderQuery, ReturnQuery,
            AuditQuery, ReportQuery, WebhookQuery):
    pass


@strawberry.type(description="Everything a client can change; each takes one input and returns userErrors.")
class Mutation(AccountMutation, StoreMutation, CatalogMutation, CampaignMutation, CartMutation, OrderMutation,
               FulfillmentMutation, ReturnMutation, WebhookMutation):
    pass


def build_schema(*, production: bool = False) -> strawberry.Schema:
    # Extensions are built per request. The limit rules are built once, here: the validation cache
    # is keyed by the rule classes, and fresh classes per request would never hit it.
    limit_rules = [*QueryDepthLimiter(max_depth=MAX_DEPTH).validation_rules,
                   *MaxAliasesLimiter(max_alias_count=MAX_ALIASES).validation_rules]
    extensions: list[Any] = [
        lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
        lambda: ParserCache(maxsize=512),
        lambda: AddValidationRules(limit_rules),
        lambda: ValidationCache(maxsize=512),
        lambda: MaskErrors(should_mask_error=should_mask),
    ]
    if production:
        extensions += [DisableIntrospection, HideSuggestions]
    return strawberry.Schema(
        query=Query, mutation=Mutation, subscription=Subscription, extensions=extensions, types=[Customer, DeliveryMethod],
        config=StrawberryConfig(auto_camel_case=True, scalar_map={datetime: DateTime}),
    )
