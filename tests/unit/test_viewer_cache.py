"""The per-process cache of access-token viewers: how long a user's roles and active flag may be
served from memory (COMMERCE_USER_CACHE_SECONDS), and how big it may grow."""

from app.auth import Viewer, ViewerCache


class Users:
    """A stand-in for the users table: who is active with which roles, and how often it was read."""

    def __init__(self) -> None:
        self.roles: dict[int, frozenset[str] | None] = {}
        self.reads = 0

    async def lookup(self, user_id: int) -> Viewer | None:
        self.reads += 1
        roles = self.roles.get(user_id)
        return None if roles is None else Viewer(user_id=user_id, email=f"{user_id}@example.com", roles=roles)


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def cache(users: Users, clock: Clock, ttl: float, max_entries: int = 10_000) -> ViewerCache:
    return ViewerCache(users.lookup, ttl_seconds=ttl, max_entries=max_entries, clock=clock)


async def test_a_change_shows_once_the_cache_time_has_passed_and_not_before() -> None:
    users, clock = Users(), Clock()
    viewers = cache(users, clock, ttl=30)
    users.roles[1] = frozenset({"ADMIN"})
    assert (await viewers.get(1) or Viewer(0, "")).roles == {"ADMIN"}
    users.roles[1] = frozenset({"SUPPORT"})
    clock.now += 29.99
    assert (await viewers.get(1) or Viewer(0, "")).roles == {"ADMIN"}
    clock.now += 0.01
    assert (await viewers.get(1) or Viewer(0, "")).roles == {"SUPPORT"}
    assert users.reads == 2


async def test_a_deactivated_user_is_kept_as_none_for_the_same_time() -> None:
    users, clock = Users(), Clock()
    viewers = cache(users, clock, ttl=30)
    users.roles[1] = frozenset({"ADMIN"})
    await viewers.get(1)
    users.roles[1] = None
    clock.now += 30
    assert await viewers.get(1) is None
    users.roles[1] = frozenset({"ADMIN"})
    assert await viewers.get(1) is None
    assert users.reads == 2


async def test_no_cache_time_reads_the_users_table_on_every_request() -> None:
    users, clock = Users(), Clock()
    viewers = cache(users, clock, ttl=0)
    users.roles[1] = frozenset({"ADMIN"})
    for _ in range(3):
        await viewers.get(1)
    assert users.reads == 3


async def test_the_cache_never_holds_more_than_its_limit_and_drops_the_oldest_first() -> None:
    users, clock = Users(), Clock()
    viewers = cache(users, clock, ttl=30, max_entries=3)
    for user_id in range(1, 6):
        users.roles[user_id] = frozenset({"CUSTOMER"})
        await viewers.get(user_id)
        clock.now += 1
    assert len(viewers._entries) == 3
    reads = users.reads
    await viewers.get(5)
    await viewers.get(3)
    assert users.reads == reads  # the newest three are still cached
    await viewers.get(1)
    assert users.reads == reads + 1
