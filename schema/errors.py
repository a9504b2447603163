"""Top-level errors a client may read: malformed requests, pagination, auth. Everything else is
masked as "Unexpected error." so that internals never leak."""

from graphql import GraphQLError

from app.pagination import PaginationError


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


def should_mask(error: GraphQLError) -> bool:
    original = error.original_error
    if original is None:  # parse and validation errors, limits: readable as they are
        return False
    if isinstance(original, PaginationError):
        error.extensions = {"code": "INVALID_PAGINATION"}
        return False
    if _caused_by_unencodable_text(original):
        # A lone surrogate that slipped past the checks reached an encoder (a driver, a hash):
        # the client's input is at fault, never the server.
        error.message = "Text must be valid Unicode: it holds a lone surrogate."
        error.extensions = {"code": "BAD_USER_INPUT"}
        return False
    return not isinstance(original, PublicError | GraphQLError)


def _caused_by_unencodable_text(error: BaseException | None) -> bool:
    seen = 0
    while error is not None and seen < 10:
        if isinstance(error, UnicodeEncodeError) and "surrogate" in str(error.reason):
            return True
        error, seen = error.__cause__ or error.__context__, seen + 1
    return False
