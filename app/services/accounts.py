"""Accounts: customer sign-up, sign-in, and staff users (created, activated, deactivated and given
roles from the CLI).

Sign-up does not reveal who has an account: a taken e-mail gets the same answer as a new one (and
takes as long: the password is hashed either way), and nothing changes. It starts no session for
either; the customer signs in next (tokenCreate), whose answer is the same for an unknown e-mail and
a wrong password and whose attempts are rate limited."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.auth import Viewer, hash_password_off_loop, verify_password_off_loop
from app.db import Database
from app.domain.errors import DomainError, ErrorCode
from app.domain.passwords import PASSWORD_MAX, password_problem
from app.domain.validation import NAME_MAX, Checker, text_problem
from app.policy.permissions import Role
from app.services.common import unique_guard
from app.services.sessions import SignedIn, revoke_user_sessions, start_session
from app.services.unit_of_work import UnitOfWork
from models import Customer, User


def _check_password(check: Checker, password: str) -> None:
    unreadable = text_problem(password, multiline=True)
    weak = password_problem(password)
    if unreadable is not None:
        check.add(ErrorCode.INVALID, f"Password {unreadable}.", "password")
    elif weak:
        check.add(ErrorCode.INVALID, weak, "password")


async def _new_user(uow: UnitOfWork, email: str, password_hash: str, roles: Iterable[Role]) -> User:
    message = f"An account with e-mail {email} already exists."
    if await uow.session.scalar(select(User.id).where(User.email == email)):
        raise DomainError.of(ErrorCode.INVALID, message, "input", "email")
    user = User(email=email, password_hash=password_hash, roles=sorted(set(roles)), created_at=uow.now)
    async with unique_guard(message, "email"):
        uow.session.add(user)
        await uow.session.flush()
    return user


async def register_customer(*, uow: UnitOfWork, email: str, password: str, name: str | None) -> bool:
    """A customer account for a new e-mail. Whether it was created (False: the e-mail was taken) is
    for the caller's logs and tests, never for the answer: see the module's docstring."""
    check = Checker()
    email_ = check.email(email, "email", required=True)
    _check_password(check, password)
    name_ = check.text(name, "name", label="Name", max_length=NAME_MAX)
    check.raise_if_any()
    assert email_ is not None
    password_hash = await hash_password_off_loop(password)  # slow: before the transaction begins
    if await uow.session.scalar(select(User.id).where(User.email == email_)):
        return False
    user = User(email=email_, password_hash=password_hash, roles=[Role.CUSTOMER], created_at=uow.now)
    uow.session.add(user)
    try:
        await uow.session.flush()
    except IntegrityError:  # registered concurrently: taken, like above (the unit of work rolls back)
        return False
    customer = Customer(user_id=user.id, email=email_, name=name_, created_at=uow.now)
    uow.session.add(customer)
    await uow.session.flush()
    uow.audit(action="customer.register", subject_type="Customer", subject_id=customer.id,
              data={"email": email_})
    uow.emit(topic="customer.registered", subject_type="Customer", subject_id=customer.id,
             payload={"customerId": customer.id, "email": email_, "name": name_})
    await uow.commit(customer)
    return True


async def create_user(*, uow: UnitOfWork, email: str, password: str, roles: Iterable[Role]) -> Viewer:
    """A staff (or customer) account, for the CLI. Customers also get a customer record."""
    check = Checker()
    email_ = check.email(email, "email", required=True)
    _check_password(check, password)
    roles_ = sorted(set(roles))
    if not roles_:
        check.add(ErrorCode.REQUIRED, "At least one role is required.", "roles")
    check.raise_if_any()
    assert email_ is not None
    user = await _new_user(uow, email_, await hash_password_off_loop(password), roles_)
    customer_id = None
    if Role.CUSTOMER in roles_:
        customer = Customer(user_id=user.id, email=email_, created_at=uow.now)
        uow.session.add(customer)
        await uow.session.flush()
        customer_id = customer.id
    uow.audit(action="user.create", subject_type="User", subject_id=user.id,
              data={"email": email_, "roles": roles_})
    await uow.commit(user)
    return Viewer(user_id=user.id, email=email_, roles=frozenset(roles_), customer_id=customer_id)


async def authenticate(*, db: Database, email: str, password: str) -> Viewer:
    """The viewer for these credentials; one message for unknown e-mail and wrong password."""
    refused = DomainError.of(ErrorCode.INVALID_CREDENTIALS, "E-mail or password is incorrect.", "input")
    if not email or len(email) > 254 or len(password) > PASSWORD_MAX \
            or text_problem(email + password, multiline=True) is not None:
        raise refused
    async with db.read() as conn:
        user = (await conn.execute(
            select(User.id, User.email, User.password_hash, User.roles, User.is_active,
                   Customer.id.label("customer_id"))
            .outerjoin(Customer, Customer.user_id == User.id)
            .where(User.email == email.strip().lower()))).first()
    # Unknown e-mails are verified against a dummy hash: as slow as a wrong password.
    verified = await verify_password_off_loop(user.password_hash if user else None, password)
    if not verified or not user or not user.is_active:
        raise refused
    return Viewer(user_id=user.id, email=user.email, roles=frozenset(user.roles),
                  customer_id=user.customer_id)


async def sign_in(*, uow: UnitOfWork, email: str, password: str, session_lifetime: timedelta) -> SignedIn:
    """Check the credentials (before the write transaction begins: hashing is slow), then start a
    sign-in session."""
    viewer = await authenticate(db=uow.db, email=email, password=password)
    signed_in = await start_session(uow=uow, user_id=viewer.user_id, lifetime=session_lifetime)
    await uow.commit()
    return signed_in


@dataclass(frozen=True, slots=True)
class UserChange:
    """What an account change did: the account as it now is, and how many sign-ins it ended (their
    refresh tokens revoked)."""

    email: str
    roles: list[str]
    is_active: bool
    changed: bool
    sessions_revoked: int = 0


async def _user_by_email(uow: UnitOfWork, email: str) -> User:
    """The user, its row locked for the change (lock order: the user, then its refresh tokens)."""
    user = await uow.session.scalar(
        select(User).where(User.email == email.strip().lower()).with_for_update())
    if user is None:
        raise DomainError.of(ErrorCode.NOT_FOUND, f"There is no user with e-mail {email.strip()}.",
                             "input", "email")
    return user


def _change(user: User, *, changed: bool, sessions_revoked: int = 0) -> UserChange:
    return UserChange(email=user.email, roles=list(user.roles), is_active=user.is_active, changed=changed,
                      sessions_revoked=sessions_revoked)


async def set_active(*, uow: UnitOfWork, email: str, active: bool) -> UserChange:
    """Activate or deactivate a user. Deactivation revokes every refresh token of the user; access
    tokens stop working within COMMERCE_USER_CACHE_SECONDS."""
    user = await _user_by_email(uow, email)
    if user.is_active == active:
        return _change(user, changed=False)
    user.is_active = active
    await uow.session.flush()
    revoked = 0 if active else await revoke_user_sessions(uow=uow, user_id=user.id)
    uow.audit(action="user.activate" if active else "user.deactivate", subject_type="User",
              subject_id=user.id, data={"email": user.email, "sessionsRevoked": revoked})
    await uow.commit(user)
    return _change(user, changed=True, sessions_revoked=revoked)


async def set_roles(*, uow: UnitOfWork, email: str, roles: Iterable[Role]) -> UserChange:
    """Replace a user's roles. A change revokes every refresh token of the user (they sign in again
    to get tokens for the new roles); access tokens carry the new roles within
    COMMERCE_USER_CACHE_SECONDS. Gaining CUSTOMER gives the user a customer record if it has none."""
    roles_ = sorted(set(roles))
    if not roles_:
        raise DomainError.of(ErrorCode.REQUIRED, "At least one role is required.", "input", "roles")
    user = await _user_by_email(uow, email)
    before = sorted(user.roles)
    if before == roles_:
        return _change(user, changed=False)
    user.roles = roles_
    await uow.session.flush()
    if Role.CUSTOMER in roles_ and not await uow.session.scalar(
            select(Customer.id).where(Customer.user_id == user.id)):
        uow.session.add(Customer(user_id=user.id, email=user.email, created_at=uow.now))
        await uow.session.flush()
    revoked = await revoke_user_sessions(uow=uow, user_id=user.id)
    uow.audit(action="user.roles", subject_type="User", subject_id=user.id,
              data={"email": user.email, "before": before, "after": roles_, "sessionsRevoked": revoked})
    await uow.commit(user)
    return _change(user, changed=True, sessions_revoked=revoked)


async def change_password(*, uow: UnitOfWork, user_id: int, password: str) -> UserChange:
    """Set a new password and revoke every refresh token of the user (the hook for the password
    change and reset flows)."""
    check = Checker()
    _check_password(check, password)
    check.raise_if_any()
    password_hash = await hash_password_off_loop(password)  # slow: before the write transaction begins
    user = await uow.session.scalar(select(User).where(User.id == user_id).with_for_update())
    if user is None:
        raise DomainError.of(ErrorCode.NOT_FOUND, "That user does not exist.")
    user.password_hash = password_hash
    await uow.session.flush()
    revoked = await revoke_user_sessions(uow=uow, user_id=user.id)
    uow.audit(action="user.password", subject_type="User", subject_id=user.id,
              data={"sessionsRevoked": revoked})
    await uow.commit(user)
    return _change(user, changed=True, sessions_revoked=revoked)
