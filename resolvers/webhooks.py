"""Outbound webhooks for admins: register endpoints, read the delivery log, retry a failed delivery."""

from typing import Annotated, Any

import strawberry

from app.loaders.orders import DELIVERIES, list_endpoints
from app.policy.reads import Readable
from app.services import webhook_deliveries as delivery_service
from app.services import webhook_endpoints as endpoint_service
from resolvers.base import Info, input_pk, query_pk, require_read, write
from schema.common import After, Connection, First
from schema.webhooks import (
    WebhookDelivery,
    WebhookDeliveryRetryInput,
    WebhookDeliveryRetryPayload,
    WebhookDeliveryStatus,
    WebhookEndpoint,
    WebhookEndpointCreateInput,
    WebhookEndpointDeactivateInput,
    WebhookEndpointPayload,
)


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
        status: Annotated[WebhookDeliveryStatus | None, strawberry.argument(  # type: ignore[valid-type]
            description="Only deliveries in this status.")] = None,
    ) -> Connection[WebhookDelivery]:
        require_read(info, Readable.WEBHOOK)
        endpoint = query_pk(endpoint_id, "WebhookEndpoint", "endpointId") if endpoint_id else None
        request = DELIVERIES.request(first=first, after=after)
        db, deliveries = info.context.db, DELIVERIES.filtered(endpoint_id=endpoint, status=status)
        return Connection.of(await deliveries.page(db, request), deliveries.cursor, WebhookDelivery.from_row,
                             lambda: deliveries.count(db))


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

    @strawberry.mutation(description="Send a FAILED delivery again (ADMIN): PENDING, with its attempts reset to 0, "
                                     "signed anew by the worker at its next poll. Audited; anything but FAILED is "
                                     "refused with INVALID_TRANSITION.")
    async def webhook_delivery_retry(
            self, info: Info,
            input: Annotated[WebhookDeliveryRetryInput, strawberry.argument(description="The delivery to send again.")],
    ) -> WebhookDeliveryRetryPayload:
        return await write(info, WebhookDeliveryRetryPayload, input, lambda uow: delivery_service.retry_delivery(
            uow=uow, delivery_id=input_pk(input.delivery_id, "WebhookDelivery", "deliveryId") or 0),
            lambda d: {"delivery": WebhookDelivery.from_row(d)})
