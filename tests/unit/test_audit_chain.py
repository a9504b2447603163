"""The audit hash chain detects edits, deletions and reordering."""

from datetime import UTC, datetime

from app.domain.audit_chain import chain_hash, verify_chain


def chain(n: int) -> list[dict]:
    events, prev = [], None
    for sequence in range(1, n + 1):
        event = {"sequence": sequence, "occurred_at": datetime(2026, 1, 1, tzinfo=UTC), "actor": "a",
                 "action": "x.create", "subject_type": "X", "subject_id": str(sequence), "from_status": None,
                 "to_status": None, "data": '{"k":1}', "request_id": None, "approval_id": None}
        event["prev_hash"], event["hash"] = prev, chain_hash(prev, event)
        prev = event["hash"]
        events.append(event)
    return events


def test_intact_chain_verifies() -> None:
    result = verify_chain(chain(5))
    assert (result.ok, result.events_checked, result.first_broken_sequence) == (True, 5, None)


def test_edited_event_breaks_the_chain_at_that_event() -> None:
    events = chain(5)
    events[2]["data"] = '{"k":2}'
    assert verify_chain(events).first_broken_sequence == 3


def test_deleted_event_breaks_the_chain_where_it_was() -> None:
    events = chain(5)
    del events[1]
    assert verify_chain(events).first_broken_sequence == 3


def test_hash_depends_on_the_previous_hash() -> None:
    event = chain(1)[0]
    assert chain_hash(None, event) != chain_hash("0" * 64, event)
