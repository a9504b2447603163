"""Sign-up, sign-in, sessions (refresh, sign-out) and the viewer."""

from datetime import timedelta
from typing import Annotated

import strawberry

from app.auth import issue_token
from app.domain.errors import DomainError
from app.loaders.accounts import customer_by_id
from app.rate_limits import enforce, normalised_email
from app.services import accounts as account_service
from app.services import sessions
from resolvers.base import Info
from schema.account import Customer, TokenPayload, TokenRevokePayload, Viewer
from schema.common import user_errors
from schema.inputs import CustomerRegisterInput, TokenCreateInput, TokenRefreshInput, TokenRevokeInput


def _session_lifetime(info: Info) -> timedelta:
    return timedelta(days=info.context.settings.refresh_token_days)


def _tokens(info: Info, signed_in: sessions.SignedIn) -> TokenPayload:
    settings = info.context.settings
    return TokenPayload(
        access_token=issue_token(signed_in.viewer, secret=settings.secret_key, now=info.context.now,
                                 lifetime=timedelta(minutes=settings.access_token_minutes)),
        refresh_token=signed_in.refresh_token, user_errors=[])


def _refused(refusal: DomainError) -> TokenPayload:
    return TokenPayload(access_token=None, refresh_token=None, user_errors=user_errors(refusal))


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
    @strawberry.mutation(description=(
        "Sign up as a customer, then sign in with tokenCreate. The answer never says whether the "
        "e-mail already has an account: a taken e-mail gets the same answer as a new one (no tokens, "
        "no userErrors) and changes nothing. Refused with INVALID for malformed input or a weak "
        "password, and RATE_LIMITED (with retryAfter) for too many sign-ups per e-mail or client."))
    async def customer_register(
        self, info: Info,
        input: Annotated[CustomerRegisterInput, strawberry.argument(
            description="E-mail, password and an optional name.")],
    ) -> TokenPayload:
        context, rules = info.context, info.context.rate_rules
        try:
            await enforce(context.limiter, [(rules.register_per_email, normalised_email(input.email)),
                                            (rules.register_per_client, context.client_address)], "input")
            async with context.unit_of_work() as uow:
                await account_service.register_customer(uow=uow, email=input.email, password=input.password,
                                                        name=input.name)
        except DomainError as refusal:
            return _refused(refusal)
        return TokenPayload(access_token=None, refresh_token=None, user_errors=[])

    @strawberry.mutation(description=(
        "Sign in with e-mail and password; starts a sign-in session. Attempts are limited per e-mail "
        "and per client (RATE_LIMITED with retryAfter)."))
    async def token_create(
        self, info: Info,
        input: Annotated[TokenCreateInput, strawberry.argument(
            description="E-mail and password.")],
    ) -> TokenPayload:
        context, rules = info.context, info.context.rate_rules
        try:
            await enforce(context.limiter, [(rules.sign_in_per_email, normalised_email(input.email)),
                                            (rules.sign_in_per_client, context.client_address)], "input")
            async with info.context.unit_of_work() as uow:
                signed_in = await account_service.sign_in(uow=uow, email=input.email, password=input.password,
                                                           session_lifetime=_session_lifetime(info))
        except DomainError as refusal:
            return _refused(refusal)
        return _tokens(info, signed_in)

    @strawberry.mutation(description=(
        "Trade a refresh token for a new access token (with the account's current roles) and a new "
        "refresh token of the same sign-in. Each refresh token works once: presenting a spent one again "
        "ends the sign-in (INVALID_TOKEN; sign in again). Not idempotent: a lost response means "
        "signing in again. Refreshes are limited per client (RATE_LIMITED with retryAfter)."))
    async def token_refresh(
        self, info: Info,
        input: Annotated[TokenRefreshInput, strawberry.argument(
            description="The refresh token to trade.")],
    ) -> TokenPayload:
        try:
            await enforce(info.context.limiter, [(info.context.rate_rules.refresh_per_client,
                                                  info.context.client_address)], "input")
            async with info.context.unit_of_work() as uow:
                signed_in = await sessions.refresh_session(uow=uow, refresh_token=input.refresh_token,
                                                           lifetime=_session_lifetime(info))
        except DomainError as refusal:
            return _refused(refusal)
        return _tokens(info, signed_in)

    @strawberry.mutation(description=(
        "Sign out: revoke this refresh token and every token issued from the same sign-in. Access "
        "tokens already issued run until they expire."))
    async def token_revoke(
        self, info: Info,
        input: Annotated[TokenRevokeInput, strawberry.argument(
            description="The refresh token of the sign-in to end.")],
    ) -> TokenRevokePayload:
        try:
            async with info.context.unit_of_work() as uow:
                await sessions.revoke_session(uow=uow, refresh_token=input.refresh_token)
        except DomainError as refusal:
            return TokenRevokePayload(user_errors=user_errors(refusal))
        return TokenRevokePayload(user_errors=[])
