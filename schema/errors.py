"""Top-level errors a client may read: malformed requests, pagination, auth. Everything else is
masked as "Unexpected error." so that internals never leak."""

import logging

from graphql import GraphQLError

from app.pagination import PaginationError

logger = logging.getLogger("strawberry.execution")
LOGGED_MESSAGE_CHARS = 200


class PublicError(Exception):
    """An error whose message is safe and useful to show, with a stable code in extensions."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.extensions = {"code": code}


class PermissionDenied(PublicError):
    def __init__(self, message: str = "Your role does not allow this.") -> None:
        super().__init__(message, "PERMISSION_DENIED")


class Unauthenticated(PublicError):
    def __init__(self, message: str = "Sign in to do this.") -> None:
        super().__init__(message, "UNAUTHENTICATED")


def is_refusal(error: GraphQLError) -> bool:
    """Parse and validation errors, limits, pagination and auth refusals: the client's doing,
    readable as they are. Anything else is a fault of ours."""
    return error.original_error is None or isinstance(error.original_error,
                                                      PublicError | PaginationError | GraphQLError)


def should_mask(error: GraphQLError) -> bool:
    if isinstance(error.original_error, PaginationError):
        error.extensions = {"code": "INVALID_PAGINATION"}
    if error.original_error is not None and _caused_by_unencodable_text(error.original_error):
        # A lone surrogate that slipped past the checks reached an encoder (a driver, a hash):
        # the client's input is at fault, never the server.
        error.message = "Text must be valid Unicode: it holds a lone surrogate."
        error.extensions = {"code": "BAD_USER_INPUT"}
        return False
    return not is_refusal(error)


def _one_line(text: str) -> str:
    text = text.replace("\r", "\\r").replace("\n", "\\n")
    return text if len(text) <= LOGGED_MESSAGE_CHARS else text[:LOGGED_MESSAGE_CHARS] + "..."


def log_errors(errors: list[GraphQLError]) -> None:
    """A refusal is one line without a traceback (a client's 900 KB bad query is not worth 900 KB
    of log); a fault keeps its traceback. Messages are cut to LOGGED_MESSAGE_CHARS either way, and
    the query text Strawberry would append is left out."""
    for error in errors:
        code = (error.extensions or {}).get("code") or type(error.original_error or error).__name__
        if is_refusal(error):
            logger.info("refused (%s): %s", code, _one_line(error.message))
        else:
            logger.error("failed (%s): %s", code, _one_line(error.message), exc_info=error.original_error)


def _caused_by_unencodable_text(error: BaseException | None) -> bool:
    seen = 0
    while error is not None and seen < 10:
        if isinstance(error, UnicodeEncodeError) and "surrogate" in str(error.reason):
            return True
        error, seen = error.__cause__ or error.__context__, seen + 1
    return False
