"""The keyed audit hash chain detects edits, deletions, reordering and rows forged without the key."""

from datetime import UTC, datetime

from app.domain.audit_chain import ChainHash, chain_hash, keyed, unkeyed_chain_hash, verify_chain

KEY = b"the-audit-key"
LINK = keyed(KEY)


def event(sequence: int) -> dict:
    return {"sequence": sequence, "occurred_at": datetime(2026, 1, 1, tzinfo=UTC), "actor": "a",
            "action": "x.create", "subject_type": "X", "subject_id": str(sequence), "from_status": None,
            "to_status": None, "data": '{"k":1}', "request_id": None, "approval_id": None}


def chain(n: int, link: ChainHash = LINK) -> list[dict]:
    events: list[dict] = []
    for sequence in range(1, n + 1):
        append(events, event(sequence), link)
    return events


def append(events: list[dict], new: dict, link: ChainHash) -> None:
    prev = events[-1]["hash"] if events else None
    new["prev_hash"], new["hash"] = prev, link(prev, new)
    events.append(new)


def test_intact_chain_verifies() -> None:
    result = verify_chain(chain(5), LINK)
    assert (result.ok, result.events_checked, result.first_broken_sequence) == (True, 5, None)


def test_edited_event_breaks_the_chain_at_that_event() -> None:
    events = chain(5)
    events[2]["data"] = '{"k":2}'
    assert verify_chain(events, LINK).first_broken_sequence == 3


def test_deleted_event_breaks_the_chain_where_it_was() -> None:
    events = chain(5)
    del events[1]
    assert verify_chain(events, LINK).first_broken_sequence == 3


def test_hash_depends_on_the_previous_hash() -> None:
    first = chain(1)[0]
    assert chain_hash(KEY, None, first) != chain_hash(KEY, "0" * 64, first)


def test_an_appended_row_hashed_with_plain_sha256_breaks_the_chain_there() -> None:
    events = chain(3)
    append(events, event(4), unkeyed_chain_hash)
    result = verify_chain(events, LINK)
    assert (result.ok, result.first_broken_sequence) == (False, 4)


def test_an_appended_row_signed_with_another_key_breaks_the_chain_there() -> None:
    events = chain(3)
    append(events, event(4), keyed(b"a-guessed-key"))
    assert verify_chain(events, LINK).first_broken_sequence == 4


def test_a_chain_fails_from_its_first_event_under_another_key() -> None:
    assert verify_chain(chain(3), keyed(b"a-new-key")).first_broken_sequence == 1
