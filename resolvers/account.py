"""Sign-up, sign-in and the viewer."""

from datetime import timedelta

import strawberry

from app.auth import Viewer as AuthViewer
from app.auth import issue_token
from app.domain.errors import DomainError
from app.loaders.accounts import customer_by_id
from app.services import accounts as account_service
from resolvers.base import Info
from schema.account import Customer, TokenPayload, Viewer
from schema.common import user_errors
from schema.inputs import CustomerRegisterInput, TokenCreateInput


def _tokens(info: Info, viewer: AuthViewer) -> TokenPayload:
    settings, now = info.context.settings, info.context.now
    return TokenPayload(
        access_token=issue_token(viewer, secret=settings.secret_key, now=now,
                                 lifetime=timedelta(minutes=settings.access_token_minutes)),
        refresh_token=issue_token(viewer, secret=settings.secret_key, now=now,
                                  lifetime=timedelta(days=settings.refresh_token_days), kind="refresh"),
        user_errors=[])


@strawberry.type
class AccountQuery:
    @strawberry.field(description="The signed-in user, or null.")
    async def me(self, info: Info) -> Viewer | None:
        viewer = info.context.viewer
        if viewer is None:
            return None
        row = await customer_by_id(info.context.db, viewer.customer_id) if viewer.customer_id else None
        return Viewer(email=viewer.email, roles=sorted(viewer.roles),
                      customer=Customer.from_row(row) if row else None)


@strawberry.type
class AccountMutation:
    @strawberry.mutation(description="Sign up as a customer; returns tokens for the new account.")
    async def customer_register(self, info: Info, input: CustomerRegisterInput) -> TokenPayload:
        try:
            async with info.context.unit_of_work() as uow:
                viewer = await account_service.register_customer(
                    uow=uow, email=input.email, password=input.password, name=input.name)
        except DomainError as refusal:
            return TokenPayload(access_token=None, refresh_token=None, user_errors=user_errors(refusal))
        return _tokens(info, viewer)

    @strawberry.mutation(description="Sign in with e-mail and password.")
    async def token_create(self, info: Info, input: TokenCreateInput) -> TokenPayload:
        try:
            viewer = await account_service.authenticate(db=info.context.db, email=input.email,
                                                        password=input.password)
        except DomainError as refusal:
            return TokenPayload(access_token=None, refresh_token=None, user_errors=user_errors(refusal))
        return _tokens(info, viewer)
