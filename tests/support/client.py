"""A GraphQL client over ASGI (no network), with the app's lifespan running."""

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import event
from starlette.applications import Starlette

from app.auth import Viewer, issue_token
from app.db import Database
from app.settings import Settings


class StatementCounter:
    """Counts SQL statements sent by the app's engines (the N+1 guard)."""

    def __init__(self) -> None:
        self.count = 0
        self.statements: list[str] = []

    def __call__(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.strip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK", "PRAGMA")):
            return
        self.count += 1
        self.statements.append(statement)


class GraphQLClient:
    def __init__(self, app: Starlette, http: httpx.AsyncClient, settings: Settings) -> None:
        self.app = app
        self.http = http
        self.settings = settings

    @property
    def db(self) -> Database:
        return self.app.state.runtime["db"]  # type: ignore[no-any-return]

    def token_for(self, viewer: Viewer, *, lifetime: timedelta = timedelta(minutes=15),
                  now: datetime | None = None) -> str:
        return issue_token(viewer, secret=self.settings.secret_key, now=now or datetime.now(UTC),
                           lifetime=lifetime)

    async def post(self, query: str, variables: Mapping[str, Any] | None = None, *, token: str | None = None,
                   headers: Mapping[str, str] | None = None) -> httpx.Response:
        all_headers = dict(headers or {})
        if token:
            all_headers["Authorization"] = f"Bearer {token}"
        return await self.http.post("/graphql", json={"query": query, "variables": dict(variables or {})},
                                    headers=all_headers)

    async def gql(self, query: str, variables: Mapping[str, Any] | None = None, *,
                  token: str | None = None, headers: Mapping[str, str] | None = None) -> dict[str, Any]:
        """The JSON body of a 200 response (errors included, for the test to look at)."""
        response = await self.post(query, variables, token=token, headers=headers)
        assert response.status_code == 200, response.text
        return response.json()  # type: ignore[no-any-return]

    async def data(self, query: str, variables: Mapping[str, Any] | None = None, *,
                   token: str | None = None, headers: Mapping[str, str] | None = None) -> dict[str, Any]:
        """`data` of a response that must carry no errors."""
        body = await self.gql(query, variables, token=token, headers=headers)
        assert not body.get("errors"), body["errors"]
        return body["data"]  # type: ignore[no-any-return]

    @asynccontextmanager
    async def count_statements(self) -> AsyncIterator[StatementCounter]:
        counter = StatementCounter()
        engines = self.db.sync_engines
        for engine in engines:
            event.listen(engine, "before_cursor_execute", counter)
        try:
            yield counter
        finally:
            for engine in engines:
                event.remove(engine, "before_cursor_execute", counter)


@asynccontextmanager
async def running_client(settings: Settings, **app_options: Any) -> AsyncIterator[GraphQLClient]:
    from app.main import create_app

    app = create_app(settings, **app_options)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            yield GraphQLClient(app, http, settings)
