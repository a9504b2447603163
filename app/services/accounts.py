"""Accounts: customer sign-up, sign-in, and staff users (created from the CLI)."""

from collections.abc import Iterable

from sqlalchemy import select

from app.auth import Viewer, hash_password, verify_password
from app.db import Database
from app.domain.errors import DomainError, ErrorCode
from app.domain.validation import NAME_MAX, Checker
from app.policy.permissions import Role
from app.services.common import unique_guard
from app.services.unit_of_work import UnitOfWork
from models import Customer, User

PASSWORD_MIN = 8
PASSWORD_MAX = 128


def _check_password(check: Checker, password: str) -> None:
    if "\x00" in password:
        check.add(ErrorCode.INVALID, "Password must not contain NUL characters.", "password")
    elif not PASSWORD_MIN <= len(password) <= PASSWORD_MAX:
        check.add(ErrorCode.INVALID,
                  f"Password must be {PASSWORD_MIN} to {PASSWORD_MAX} characters long.", "password")


async def _new_user(uow: UnitOfWork, email: str, password: str, roles: Iterable[Role]) -> User:
    message = f"An account with e-mail {email} already exists."
    if await uow.session.scalar(select(User.id).where(User.email == email)):
        raise DomainError.of(ErrorCode.INVALID, message, "input", "email")
    user = User(email=email, password_hash=hash_password(password), roles=sorted(set(roles)),
                created_at=uow.now)
    async with unique_guard(message, "email"):
        uow.session.add(user)
        await uow.session.flush()
    return user


async def register_customer(*, uow: UnitOfWork, email: str, password: str, name: str | None) -> Viewer:
    check = Checker()
    email_ = check.email(email, "email", required=True)
    _check_password(check, password)
    name_ = check.text(name, "name", label="Name", max_length=NAME_MAX)
    check.raise_if_any()
    assert email_ is not None
    user = await _new_user(uow, email_, password, [Role.CUSTOMER])
    customer = Customer(user_id=user.id, email=email_, name=name_, created_at=uow.now)
    uow.session.add(customer)
    await uow.session.flush()
    uow.audit(action="customer.register", subject_type="Customer", subject_id=customer.id,
              data={"email": email_})
    uow.emit(topic="customer.registered", subject_type="Customer", subject_id=customer.id,
             payload={"customerId": customer.id, "email": email_, "name": name_})
    await uow.commit(customer)
    return Viewer(user_id=user.id, email=email_, roles=frozenset(user.roles), customer_id=customer.id)


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
    user = await _new_user(uow, email_, password, roles_)
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
    if not email or len(email) > 254 or len(password) > PASSWORD_MAX or "\x00" in email + password:
        raise refused
    async with db.read() as conn:
        user = (await conn.execute(
            select(User.id, User.email, User.password_hash, User.roles, User.is_active,
                   Customer.id.label("customer_id"))
            .outerjoin(Customer, Customer.user_id == User.id)
            .where(User.email == email.strip().lower()))).first()
    if not verify_password(user.password_hash if user else None, password) or not user or not user.is_active:
        raise refused
    return Viewer(user_id=user.id, email=user.email, roles=frozenset(user.roles),
                  customer_id=user.customer_id)
