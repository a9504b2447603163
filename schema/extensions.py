"""Schema extensions of our own."""

import re
from collections.abc import Iterator

from strawberry.extensions import SchemaExtension

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
