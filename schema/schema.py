"""The schema: root types assembled from resolvers/, protected by limits and error masking."""

from datetime import datetime
from functools import cache
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import (
    AddValidationRules,
    DisableIntrospection,
    MaxTokensLimiter,
    ParserCache,
    ValidationCache,
)
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext

from resolvers.account import AccountMutation, AccountQuery
from resolvers.audit import AuditQuery
from resolvers.campaign import CampaignMutation, CampaignQuery
from resolvers.cart import CartMutation, CartQuery
from resolvers.catalog import CatalogMutation, CatalogQuery
from resolvers.exceptions import ExceptionMutation, ExceptionQuery
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
from schema.errors import log_errors, should_mask
from schema.extensions import CodedErrors, HideSuggestions, OperationTelemetry, QueryCost
from schema.limits import DocumentLimits
from schema.store import DeliveryMethod

MAX_TOKENS = 5000


class Schema(strawberry.Schema):
    def process_errors(self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None) -> None:
        log_errors(errors)


@strawberry.type(description="Everything a client can read.")
class Query(NodeQuery, StoreQuery, CatalogQuery, CampaignQuery, AccountQuery, CartQuery, OrderQuery, ReturnQuery,
            AuditQuery, ReportQuery, WebhookQuery, ExceptionQuery):
    pass


@strawberry.type(description="Everything a client can change; each takes one input and returns userErrors.")
class Mutation(AccountMutation, StoreMutation, CatalogMutation, CampaignMutation, CartMutation, OrderMutation,
               FulfillmentMutation, ReturnMutation, WebhookMutation, ExceptionMutation):
    pass


@cache
def build_schema(*, production: bool = False) -> strawberry.Schema:
    # One schema per process and mode: a Schema holds no per-app state (extensions are built per
    # request), and converting the types costs tens of milliseconds per app.
    # Extensions are built per request. DocumentLimits (size with fragments expanded once, depth,
    # aliases; schema/limits.py) is one class, so the validation cache, keyed by the rule classes,
    # hits. QueryCost comes after ValidationCache: it prices the operation ValidationCache validated.
    # OperationTelemetry comes first (outermost): it reads the errors once CodedErrors has coded them.
    extensions: list[Any] = [
        OperationTelemetry,
        lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
        lambda: ParserCache(maxsize=512),
        lambda: AddValidationRules([DocumentLimits]),
        lambda: ValidationCache(maxsize=512),
        QueryCost,
        lambda: CodedErrors(should_mask_error=should_mask),
    ]
    if production:
        extensions += [DisableIntrospection, HideSuggestions]
    return Schema(
        query=Query, mutation=Mutation, subscription=Subscription, extensions=extensions, types=[Customer, DeliveryMethod],
        config=StrawberryConfig(auto_camel_case=True, scalar_map={datetime: DateTime}),
    )
