"""Document limits and query cost against a real server, over HTTP and WebSocket."""

import asyncio

from tests.api.test_query_cost import fragment_fan_out
from tests.support.live import LiveClient
from tests.support.ws import subscribe


async def test_fragment_fan_out_over_http_is_refused_while_the_server_stays_responsive(live: LiveClient) -> None:
    refused, health = await asyncio.gather(live.server.http.post("/graphql", json={"query": fragment_fan_out(41)}),
                                           live.server.http.get("/healthz"))
    assert [e["extensions"]["code"] for e in refused.json()["errors"]] == ["QUERY_TOO_COMPLEX"]
    assert health.status_code == 200  # its latency under such requests: bench/abuse.py


async def test_fragment_fan_out_over_websocket_is_refused(live: LiveClient) -> None:
    async with subscribe(live.server.base_url, fragment_fan_out(41)) as operation:
        message = await operation.next(timeout=5)
    errors = message["payload"] if message["type"] == "error" else message["payload"]["errors"]
    assert [e["extensions"]["code"] for e in errors] == ["QUERY_TOO_COMPLEX"]


async def test_operations_over_websocket_report_their_cost(live: LiveClient) -> None:
    async with subscribe(live.server.base_url, "{ channels { slug } }") as operation:
        message = await operation.next(timeout=5)
    assert message["type"] == "next"
    assert message["payload"]["extensions"]["cost"] == {"requested": 11, "limit": 50_000}
