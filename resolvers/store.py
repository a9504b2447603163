"""Channels, warehouses and delivery methods: reads for everyone (warehouses: staff), writes for ADMIN."""

from typing import Annotated, Any

import strawberry

from app.loaders.catalog import list_channels, list_warehouses
from app.policy.reads import Readable
from app.services import store as store_service
from resolvers.base import Info, currency, require_read, write
from schema.inputs import ChannelCreateInput, DeliveryMethodCreateInput, WarehouseCreateInput
from schema.payloads import ChannelPayload, DeliveryMethodPayload, WarehousePayload
from schema.store import Channel, DeliveryMethod, Warehouse


@strawberry.type
class StoreQuery:
    @strawberry.field(description="Every sales channel.")
    async def channels(self, info: Info) -> list[Channel]:
        return [Channel.from_row(r) for r in await list_channels(info.context.db)]

    @strawberry.field(description="Every warehouse (staff only).")
    async def warehouses(self, info: Info) -> list[Warehouse]:
        require_read(info, Readable.WAREHOUSE)
        return [Warehouse.from_row(r) for r in await list_warehouses(info.context.db)]


@strawberry.type
class StoreMutation:
    @strawberry.mutation(description="Create a sales channel (ADMIN).")
    async def channel_create(
        self, info: Info,
        input: Annotated[ChannelCreateInput, strawberry.argument(
            description="The channel to create.")],
    ) -> ChannelPayload:
        async def run(uow: Any) -> Any:
            return await store_service.create_channel(
                uow=uow, slug=input.slug, name=input.name, currency=input.currency,
                default_currency=info.context.settings.currency)
        return await write(info, ChannelPayload, input, run,
                           lambda entity: {"channel": Channel.from_row(entity)})

    @strawberry.mutation(description="Create a warehouse (ADMIN).")
    async def warehouse_create(
        self, info: Info,
        input: Annotated[WarehouseCreateInput, strawberry.argument(
            description="The warehouse to create.")],
    ) -> WarehousePayload:
        async def run(uow: Any) -> Any:
            return await store_service.create_warehouse(uow=uow, code=input.code, name=input.name)
        return await write(info, WarehousePayload, input, run,
                           lambda entity: {"warehouse": Warehouse.from_row(entity)})

    @strawberry.mutation(description="Create a delivery method (ADMIN).")
    async def delivery_method_create(
        self, info: Info,
        input: Annotated[DeliveryMethodCreateInput, strawberry.argument(
            description="The delivery method to create.")],
    ) -> DeliveryMethodPayload:
        async def run(uow: Any) -> Any:
            return await store_service.create_delivery_method(
                uow=uow, name=input.name, price=input.price, channels=input.channels)
        return await write(info, DeliveryMethodPayload, input, run,
                           lambda entity: {"delivery_method": DeliveryMethod.from_row(entity, currency(info))})
