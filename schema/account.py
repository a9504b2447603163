"""Account types: the viewer, customers, roles, tokens."""

from datetime import datetime
from typing import Any

import strawberry

from app.ids import encode_id
from app.policy.permissions import Role as DomainRole
from schema.common import After, Connection, First, Node, UserError
from schema.order import EcommerceOrder

Role = strawberry.enum(DomainRole, name="Role", description="What a user may do; the README's 'Who may do what' lists it.")


@strawberry.type(description="A shopper's customer record.")
class Customer(Node):
    email: str = strawberry.field(description="E-mail address.")
    name: str | None = strawberry.field(description="Name, if given.")
    created_at: datetime = strawberry.field(description="When the customer signed up.")
    pk: strawberry.Private[int]

    @classmethod
    def from_row(cls, row: Any) -> "Customer":
        return cls(id=strawberry.ID(encode_id("Customer", row.id)), email=row.email, name=row.name,
                   created_at=row.created_at, pk=row.id)

    @strawberry.field(description="This customer's orders, newest first; empty for those who may not read them.")
    async def orders(self, info: strawberry.Info, first: First = None,
                     after: After = None) -> Connection[EcommerceOrder]:
        from app.policy.reads import may_read_order
        from resolvers.order import order_connection

        readable = may_read_order(info.context.viewer, self.pk)  # the orders of one customer: all or none
        return await order_connection(info, first=first, after=after, statuses=None, channel_id=None,
                                      campaign_id=None, created_after=None, created_before=None,
                                      customer_id=self.pk if readable else -1)


@strawberry.type(description="The signed-in user.")
class Viewer:
    email: str = strawberry.field(description="E-mail address of the account.")
    roles: list[Role] = strawberry.field(description="Roles of the account.")  # type: ignore[valid-type]
    customer: Customer | None = strawberry.field(description="The customer record, for shoppers.")


@strawberry.type(description="The result of signing in or up.")
class TokenPayload:
    access_token: str | None = strawberry.field(
        description="Bearer access token for the Authorization header and for the subscription "
                    "connection_init payload.")
    refresh_token: str | None = strawberry.field(
        description="Opaque token for tokenRefresh (COMMERCE_REFRESH_TOKEN_DAYS); each one works once, and "
                    "presenting a spent one again ends the sign-in.")
    user_errors: list[UserError] = strawberry.field(description="Why it was refused, if it was.")


@strawberry.type(description="The result of signing out.")
class TokenRevokePayload:
    user_errors: list[UserError] = strawberry.field(description="Why it was refused, if it was.")
