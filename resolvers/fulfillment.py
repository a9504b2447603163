"""Fulfillment mutations (FULFILLMENT, ADMIN)."""

from typing import Annotated

import strawberry

from app.domain.states import FulfillmentStatus as DomainFulfillmentStatus
from app.services import fulfillments as fulfillment_service
from resolvers.base import Info, input_pk, write
from schema.fulfillment import Fulfillment, FulfillmentCreateInput, FulfillmentPayload, FulfillmentUpdateInput


def _present(fulfillment: object) -> dict[str, object]:
    return {"fulfillment": Fulfillment.from_row(fulfillment)}


@strawberry.type
class FulfillmentMutation:
    @strawberry.mutation(description="Fulfill an order (all remaining lines by default) from a warehouse.")
    async def fulfillment_create(
        self, info: Info,
        input: Annotated[FulfillmentCreateInput, strawberry.argument(
            description="The order, and optionally the warehouse and the lines to ship.")],
    ) -> FulfillmentPayload:
        def lines() -> list[fulfillment_service.LineQuantity] | None:
            return None if input.lines is None else [
                fulfillment_service.LineQuantity(
                    input_pk(line.order_line_id, "OrderLine", "lines", str(i), "orderLineId") or 0, line.quantity)
                for i, line in enumerate(input.lines)]
        return await write(info, FulfillmentPayload, input, lambda uow: fulfillment_service.create_fulfillment(
            uow=uow, order_id=input_pk(input.order_id, "EcommerceOrder", "orderId") or 0,
            warehouse_id=input_pk(input.warehouse_id, "Warehouse", "warehouseId"), lines=lines()), _present)

    @strawberry.mutation(description="Move a fulfillment through its table; carrier and tracking number at shipment.")
    async def fulfillment_update(
        self, info: Info,
        input: Annotated[FulfillmentUpdateInput, strawberry.argument(
            description="The fulfillment, its next status and shipment details.")],
    ) -> FulfillmentPayload:
        return await write(info, FulfillmentPayload, input, lambda uow: fulfillment_service.update_fulfillment(
            uow=uow, fulfillment_id=input_pk(input.fulfillment_id, "Fulfillment", "fulfillmentId") or 0,
            status=DomainFulfillmentStatus(input.status.value), carrier=input.carrier,
            tracking_number=input.tracking_number, gateways=info.context.gateways), _present)
