"""One unit of work per write: one transaction that holds the change, its audit events and its
outbox rows, committed once (or not at all)."""

import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import TracebackType
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from app import response_cache
from app.auth import Viewer
from app.db import Database
from app.domain.audit_chain import canonical_json, chain_hash
from app.services import idempotency
from app.services.idempotency import StoredResult
from models import AuditEvent, Base, IdempotencyKey, OutboxEvent, OutboxSubjectSequence

MODELS = {mapper.class_.__name__: mapper.class_ for mapper in Base.registry.mappers}

# Any constant will do: it names the one lock that serialises appends to the audit chain.
AUDIT_CHAIN_LOCK_KEY = 7_301_947


@dataclass(frozen=True, slots=True)
class Actor:
    """Who asks for a write, and from where: the input of every policy decision."""

    viewer: Viewer | None
    request_id: str | None = None
    channel: str | None = None
    # An integration acting on its own authority (authenticated by a webhook signature).
    system: str | None = None

    @property
    def roles(self) -> frozenset[str]:
        return self.viewer.roles if self.viewer else frozenset()

    @property
    def label(self) -> str:
        if self.system:
            return f"integration:{self.system}"
        return self.viewer.label if self.viewer else "anonymous"

    @property
    def idempotency_scope(self) -> str:
        return f"user:{self.viewer.user_id}" if self.viewer else "guest"


@dataclass(slots=True)
class _PendingAudit:
    action: str
    subject_type: str
    subject_id: str
    from_status: str | None
    to_status: str | None
    data: Any
    approval_id: str | None


@dataclass
class UnitOfWork:
    db: Database
    actor: Actor
    now: datetime
    session: AsyncSession = field(init=False)
    _audit: list[_PendingAudit] = field(default_factory=list, init=False)
    _outbox: list[OutboxEvent] = field(default_factory=list, init=False)
    _committed: bool = field(default=False, init=False)
    _claim: IdempotencyKey | None = field(default=None, init=False)
    # Called after a commit that wrote outbox rows: wakes the relay instead of waiting for its poll.
    on_commit: Callable[[], None] | None = None

    async def __aenter__(self) -> "UnitOfWork":
        self.session = self.db.write_session()
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        try:
            if not self._committed:
                await self.session.rollback()
        finally:
            await self.session.close()

    def audit(self, *, action: str, subject_type: str, subject_id: str | int,
              from_status: str | None = None, to_status: str | None = None, data: Any = None,
              approval_id: str | None = None) -> None:
        self._audit.append(_PendingAudit(action, subject_type, str(subject_id), from_status, to_status,
                                         data, approval_id))

    def emit(self, *, topic: str, subject_type: str, subject_id: str | int, payload: Any) -> None:
        self._outbox.append(OutboxEvent(
            id=str(uuid.uuid4()), topic=topic, subject_type=subject_type, subject_id=str(subject_id),
            payload=canonical_json(payload), created_at=self.now, request_id=self.actor.request_id,
        ))

    async def claim(self, *, operation: str, key: str, data: Any, ttl: timedelta,
                    scope: str | None = None) -> StoredResult | None:
        """Claim an idempotency key for this unit of work; a stored result means: replay it."""
        row, stored = await idempotency.claim(
            self.session, scope=scope or self.actor.idempotency_scope, operation=operation,
            key=idempotency.check_key(key), print_=idempotency.fingerprint(operation, data), now=self.now,
            ttl=ttl)
        self._claim = row
        return stored

    async def load(self, stored: StoredResult) -> Any:
        """The object a stored idempotent result refers to, as it is now."""
        entity = await self.session.get(MODELS[stored.model], stored.key)
        if entity is not None:
            self.session.expunge(entity)  # keep its loaded state through this (read-only) rollback
        return entity

    async def commit(self, result: Any = None) -> None:
        """Commit the change with its audit events, outbox rows and idempotency record.
        `result` is the object the mutation's payload shows (kept for replays)."""
        if self._claim is not None:
            idempotency.record(self._claim, result)
        await self.session.flush()
        if self._audit:
            await self._append_audit_chain()
        if self._outbox:
            await self._number_outbox_events()
        self.session.add_all(self._outbox)
        await self.session.commit()
        self._committed = True
        response_cache.bump()
        if self._outbox and self.on_commit is not None:
            self.on_commit()

    async def _number_outbox_events(self) -> None:
        """Give each event the next sequence number of its subject, in emit order. One upsert per
        subject bumps its counter row and returns the new last number; the row stays locked until
        commit, so a concurrent writer to the same subject waits and then counts on from there.
        Subjects are bumped in sorted order: two writers never wait on each other's counters."""
        counts = Counter((event.subject_type, event.subject_id) for event in self._outbox)
        insert = postgresql_insert if self.session.bind.dialect.name == "postgresql" else sqlite_insert
        next_number: dict[tuple[str, str], int] = {}
        for subject in sorted(counts):
            bump = insert(OutboxSubjectSequence).values(subject_type=subject[0], subject_id=subject[1],
                                                         last_sequence=counts[subject])
            bump = bump.on_conflict_do_update(
                index_elements=[OutboxSubjectSequence.subject_type, OutboxSubjectSequence.subject_id],
                set_={"last_sequence": OutboxSubjectSequence.last_sequence + bump.excluded.last_sequence})
            last = await self.session.scalar(bump.returning(OutboxSubjectSequence.last_sequence))
            next_number[subject] = int(last or 0) - counts[subject] + 1
        for event in self._outbox:
            subject = (event.subject_type, event.subject_id)
            event.subject_sequence = next_number[subject]
            next_number[subject] += 1

    async def _append_audit_chain(self) -> None:
        if self.session.bind.dialect.name == "postgresql":
            await self.session.execute(text("SELECT pg_advisory_xact_lock(:key)"),
                                       {"key": AUDIT_CHAIN_LOCK_KEY})
        # On SQLite the write transaction began IMMEDIATE: it already holds the one write lock.
        last = (await self.session.execute(
            select(AuditEvent.sequence, AuditEvent.hash).order_by(AuditEvent.sequence.desc()).limit(1)
        )).first()
        sequence, prev_hash = (last[0], last[1]) if last else (0, None)
        for pending in self._audit:
            sequence += 1
            fields = {
                "sequence": sequence,
                "occurred_at": self.now,
                "actor": self.actor.label,
                "action": pending.action,
                "subject_type": pending.subject_type,
                "subject_id": pending.subject_id,
                "from_status": pending.from_status,
                "to_status": pending.to_status,
                "data": None if pending.data is None else canonical_json(pending.data),
                "request_id": self.actor.request_id,
                "approval_id": pending.approval_id,
            }
            digest = chain_hash(self.db.audit_key, prev_hash, fields)
            self.session.add(AuditEvent(**fields, prev_hash=prev_hash, hash=digest))
            prev_hash = digest
        await self.session.flush()
