"""Schema extensions of our own."""

import math
import re
from collections.abc import AsyncIterator, Iterator
from contextlib import nullcontext
from typing import Any

from graphql import (
    FragmentDefinitionNode,
    GraphQLError,
    OperationDefinitionNode,
    OperationType,
    get_operation_ast,
)
from strawberry.extensions import MaskErrors, SchemaExtension

from app.observability.requests import current_request
from schema.cost import query_cost

SUGGESTION = re.compile(r"\s*Did you mean [^?]*\?")


class HideSuggestions(SchemaExtension):
    """In production, validation errors do not spell out "Did you mean ...?": with introspection
    off, suggestions would leak the schema field by field."""

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        for error in (getattr(result, "errors", None) or ()):
            error.message = SUGGESTION.sub("", error.message)
        for error in self.execution_context.pre_execution_errors or ():
            error.message = SUGGESTION.sub("", error.message)


class QueryCost(SchemaExtension):
    """Prices the operation once it is valid and refuses it before anything runs when it costs more
    than COMMERCE_MAX_QUERY_COST (QUERY_TOO_EXPENSIVE) or more than the caller's budget has left
    (RATE_LIMITED, with retryAfter). Every response reports `extensions.cost`.

    Listed after ValidationCache: that extension validates in its own on_validate, so the price is
    known (and a refusal recorded) before Strawberry decides whether to execute. Mutations are
    exempt from the execution timeout: they are not cut in the middle of their transaction."""

    def __init__(self) -> None:
        self.requested = 0

    async def on_validate(self) -> AsyncIterator[None]:
        execution = self.execution_context
        context = execution.context
        settings = getattr(context, "settings", None)
        if settings is None:  # executed without our context (schema tools): nothing to enforce
            yield
            return
        if execution.pre_execution_errors == [] and execution.graphql_document is not None:
            operation = get_operation_ast(execution.graphql_document, execution.operation_name)
            if operation is not None:
                refusal = await self._price(operation)
                if refusal is not None:
                    execution.pre_execution_errors = [refusal]
                elif operation.operation is OperationType.MUTATION and context.guard is not None:
                    context.guard.exempt_from_deadline()
        yield

    async def _price(self, operation: OperationDefinitionNode) -> GraphQLError | None:
        execution = self.execution_context
        document = execution.graphql_document
        assert document is not None
        fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
        self.requested = query_cost(execution.schema._schema, operation, fragments, execution.variables)
        limit = execution.context.settings.max_query_cost
        if self.requested > limit:
            return GraphQLError(
                f"The query costs {self.requested}, more than the {limit} allowed: ask for smaller "
                "pages or fewer nested lists.", extensions={"code": "QUERY_TOO_EXPENSIVE"})
        guard = execution.context.guard
        if guard is not None:
            guard.requested = self.requested
        if guard is not None and guard.budget is not None:
            wait = await guard.budget.take(guard.client, self.requested)
            if wait is not None:
                retry_after = max(1, math.ceil(wait))
                return GraphQLError(f"Too many expensive queries; try again in {retry_after} s.",
                                    extensions={"code": "RATE_LIMITED", "retryAfter": retry_after})
        return None

    def get_results(self) -> dict[str, Any]:
        settings = getattr(self.execution_context.context, "settings", None)
        if settings is None:
            return {}
        return {"cost": {"requested": self.requested, "limit": settings.max_query_cost}}


def _code(errors: list[GraphQLError] | None, code: str) -> None:
    for error in errors or ():
        if not (error.extensions or {}).get("code"):
            error.extensions = {**(error.extensions or {}), "code": code}


class CodedErrors(MaskErrors):
    """Masks unexpected errors (as INTERNAL_SERVER_ERROR) and gives every error `extensions.code`:
    GRAPHQL_PARSE_FAILED (QUERY_TOO_LARGE past the token limit), GRAPHQL_VALIDATION_FAILED,
    BAD_USER_INPUT for variables that do not fit their types; limits, auth and pagination errors
    keep their own codes."""

    def on_validate(self) -> Iterator[None]:
        yield
        _code(self.execution_context.pre_execution_errors, "GRAPHQL_VALIDATION_FAILED")

    def on_execute(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if result is not None and result.data is None:
            # No data at all: the request itself was refused (variables, operation name).
            _code([e for e in result.errors or ()
                   if e.path is None and (e.original_error is None or isinstance(e.original_error, GraphQLError))],
                  "BAD_USER_INPUT")

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        masked = super().anonymise_error(error)
        masked.extensions = {"code": "INTERNAL_SERVER_ERROR"}
        return masked

    def on_operation(self) -> Iterator[None]:
        try:
            yield from super().on_operation()
        except GraphQLError as error:  # the parser refused the document (raised through ParserCache)
            _code([error], "QUERY_TOO_LARGE" if "tokens. Parsing aborted" in error.message
                  else "GRAPHQL_PARSE_FAILED")
            raise
        _code(getattr(self.execution_context.result, "errors", None), "INTERNAL_SERVER_ERROR")


class OperationTelemetry(SchemaExtension):
    """Tells the current request (app/observability) which operation it runs and the codes of the
    errors it answers with, for its log line and metrics; with tracing on, runs the operation in one
    span, the parent of its SQL statements' spans (fields get none). Listed first, so that it sees
    the errors after CodedErrors has coded them."""

    def on_parse(self) -> Iterator[None]:
        yield
        record = current_request()
        if record is not None:
            execution = self.execution_context
            try:
                operation_type: str | None = execution.operation_type.value
            except Exception:  # noqa: BLE001 - no such operation in the document: named by what was asked
                operation_type = None
            record.name_operation(execution.operation_name, operation_type)

    def on_operation(self) -> Iterator[None]:
        record = current_request()
        if record is None:
            yield
            return
        execution = self.execution_context
        tracing = record.tracing
        # Before parsing, operation_name is the name the request asked for, if any.
        scope = tracing.operation(execution.operation_name) if tracing is not None else nullcontext()
        refused: GraphQLError | None = None
        with scope as span:
            try:
                yield
            except GraphQLError as error:  # the parser refused the document
                refused = error
                raise
            finally:
                # Also when a stream is closed at its first (error) result, or a subscription stopped.
                errors = [refused] if refused is not None else list(
                    getattr(execution.result, "errors", None) or execution.pre_execution_errors or [])
                codes = [str((error.extensions or {}).get("code", "")) for error in errors]
                record.add_error_codes(codes)
                if record.operation is None:
                    record.name_operation(execution.operation_name, None)
                if span is not None:
                    span.update_name(f"{record.operation_type or 'graphql'} {record.operation}")
                    span.set_attribute("graphql.operation.name", record.operation or "")
                    span.set_attribute("graphql.operation.type", record.operation_type or "")
                    if codes:
                        span.set_attribute("graphql.error.codes", sorted(set(codes)))
