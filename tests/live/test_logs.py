"""A real `commerce serve` logs JSON lines on stdout (its own and uvicorn's), one per request, and no
uvicorn access lines."""

import json
import re
from pathlib import Path

import pytest

from tests.conftest import TEST_SECRET
from tests.live.conftest import FAST
from tests.support.live import live_server

# uvicorn's access line: 127.0.0.1:51234 - "POST /graphql HTTP/1.1" 200
ACCESS_LINE = re.compile(r'"[A-Z]+ /\S* HTTP/[0-9.]+" \d{3}')


@pytest.mark.parametrize("backend", ["sqlite"])  # what is logged does not depend on the database
async def test_the_server_logs_json_lines_and_no_uvicorn_access_line(database_url: str, tmp_path: Path) -> None:
    async with live_server(database_url, TEST_SECRET, extra_env={**FAST, "PYTHONUNBUFFERED": "1"},
                           log_level="info", output_dir=tmp_path) as server:
        response = await server.http.post("/graphql", json={"query": "query Channels { channels { slug } }"},
                                          headers={"X-Request-Id": "live-1"})
        assert response.status_code == 200 and response.headers["x-request-id"] == "live-1"
        response = await server.http.post("/graphql", json={"query": "{ channels { slug } }"},
                                          headers={"Authorization": "Bearer not-a-token", "X-Request-Id": "live-2"})
        assert response.status_code == 401 and response.headers["x-request-id"] == "live-2"
        response = await server.http.get("/metrics")  # from loopback, no token configured
        assert response.status_code == 200 and "commerce_graphql_request_duration_seconds" in response.text
    stdout = (tmp_path / "stdout.log").read_text()
    stderr = (tmp_path / "stderr.log").read_text()

    lines = [json.loads(line) for line in stdout.splitlines() if line.strip()]  # every line is JSON
    assert not ACCESS_LINE.search(stdout) and not ACCESS_LINE.search(stderr), (stdout[-2000:], stderr[-2000:])
    requests = [line for line in lines if line.get("logger") == "commerce.access"]
    by_id = {line["request_id"]: line for line in requests}
    assert {k: by_id["live-1"][k] for k in ("operation", "role", "status", "path")} == {
        "operation": "Channels", "role": "anonymous", "status": 200, "path": "/graphql"}
    assert (by_id["live-2"]["status"], by_id["live-2"]["errors"]) == (401, ["UNAUTHENTICATED"])
    assert sum(line["request_id"] in ("live-1", "live-2") for line in requests) == 2  # one line per request
    assert any(line["operation"] == "healthz" for line in requests)  # the start-up polls
    assert any(line["operation"] == "metrics" for line in requests)
    assert all(isinstance(line["duration_ms"], float | int) for line in requests)
    # uvicorn's own lines (start-up, shutdown) come through the same formatter.
    assert any(line.get("logger") == "uvicorn.error" for line in lines)
    assert "not-a-token" not in stdout + stderr
