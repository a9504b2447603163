"""Outbound webhooks for admins: register endpoints, read the delivery log."""

from typing import Annotated, Any

import strawberry

from app.loaders.orders import (
    DELIVERY_CURSOR,
    count_deliveries,
    delivery_cursor,
    list_deliveries,
    list_endpoints,
)
from app.pagination import page_request
from app.policy.reads import Readable
from app.services import webhook_endpoints as endpoint_service
from resolvers.base import Info, input_pk, query_pk, require_read, write
from schema.common import After, First, PageInfo
from schema.errors import PublicError
from schema.webhooks import (
    WebhookDelivery,
    WebhookDeliveryConnection,
    WebhookDeliveryEdge,
    WebhookEndpoint,
    WebhookEndpointCreateInput,
    WebhookEndpointDeactivateInput,
    WebhookEndpointPayload,
)

DELIVERY_STATUSES = {"PENDING", "DELIVERED", "FAILED"}


@strawberry.type
class WebhookQuery:
    @strawberry.field(description="Admins only: registered webhook endpoints.")
    async def webhook_endpoints(self, info: Info) -> list[WebhookEndpoint]:
        require_read(info, Readable.WEBHOOK)
        return [WebhookEndpoint.from_row(r) for r in await list_endpoints(info.context.db)]

    @strawberry.field(description="Admins only: the webhook delivery log, newest first.")
    async def webhook_deliveries(
        self, info: Info, first: First = None, after: After = None,
        endpoint_id: Annotated[strawberry.ID | None, strawberry.argument(
            description="Only deliveries to this endpoint.")] = None,
        status: Annotated[str | None, strawberry.argument(
            description="Only deliveries in this status: PENDING, DELIVERED or FAILED.")] = None,
    ) -> WebhookDeliveryConnection:
        require_read(info, Readable.WEBHOOK)
        if status is not None and status not in DELIVERY_STATUSES:
            raise PublicError(f"status must be one of {', '.join(sorted(DELIVERY_STATUSES))}.", "INVALID")
        endpoint = query_pk(endpoint_id, "WebhookEndpoint", "endpointId") if endpoint_id else None
        page = page_request(first=first, after=after, last=None, before=None, kind=DELIVERY_CURSOR)
        db = info.context.db
        result = await list_deliveries(db, page=page, endpoint_id=endpoint, status=status)
        cursors = [delivery_cursor(r) for r in result.items]
        return WebhookDeliveryConnection(
            edges=[WebhookDeliveryEdge(cursor=c, node=WebhookDelivery.from_row(r))
                   for c, r in zip(cursors, result.items, strict=True)],
            page_info=PageInfo.of(result, cursors),
            count=lambda: count_deliveries(db, endpoint_id=endpoint, status=status))


def _present(endpoint: Any) -> dict[str, Any]:
    return {"endpoint": WebhookEndpoint.from_row(endpoint), "secret": endpoint.secret}


@strawberry.type
class WebhookMutation:
    @strawberry.mutation(description="Register a webhook endpoint (ADMIN); the payload shows its signing secret once.")
    async def webhook_endpoint_create(
        self, info: Info,
        input: Annotated[WebhookEndpointCreateInput, strawberry.argument(
            description="The URL, the event types and a note.")],
    ) -> WebhookEndpointPayload:
        return await write(info, WebhookEndpointPayload, input, lambda uow: endpoint_service.create_endpoint(
            uow=uow, url=input.url, event_types=input.event_types, description=input.description,
            egress=info.context.webhook_egress), _present)

    @strawberry.mutation(description="Stop sending events to an endpoint (ADMIN).")
    async def webhook_endpoint_deactivate(
        self, info: Info,
        input: Annotated[WebhookEndpointDeactivateInput, strawberry.argument(
            description="The endpoint to deactivate.")],
    ) -> WebhookEndpointPayload:
        return await write(info, WebhookEndpointPayload, input, lambda uow: endpoint_service.deactivate_endpoint(
            uow=uow, endpoint_id=input_pk(input.endpoint_id, "WebhookEndpoint", "endpointId") or 0),
            lambda e: {"endpoint": WebhookEndpoint.from_row(e)})
