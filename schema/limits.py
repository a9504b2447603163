"""Document limits measured with fragments expanded once: size, depth and aliases.

One walk per document, one result per fragment (memoised): a fragment spread twice in each of 40
nested fragments is measured in 40 steps, not 2**40. Strawberry's depth and alias limiters walk
every spread anew, so this rule replaces them; it also refuses the document whose expansion is too
big before anything else looks at it.
"""

from dataclasses import dataclass

from graphql import (
    ExecutableDefinitionNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
    ValidationRule,
)

MAX_FIELDS = 10_000
MAX_DEPTH = 12
MAX_ALIASES = 30


@dataclass(frozen=True, slots=True)
class Measure:
    """A selection set with its fragments expanded: fields, nesting below it, aliases."""

    fields: int = 0
    depth: int = 0
    aliases: int = 0

    def __add__(self, other: "Measure") -> "Measure":
        return Measure(self.fields + other.fields, max(self.depth, other.depth), self.aliases + other.aliases)


class DocumentMeter:
    def __init__(self, fragments: dict[str, FragmentDefinitionNode]) -> None:
        self.fragments = fragments
        self.measured: dict[str, Measure] = {}
        self.measuring: set[str] = set()  # a cycle is NoFragmentCyclesRule's to report

    def selection_set(self, node: SelectionSetNode | None) -> Measure:
        total = Measure()
        for selection in node.selections if node else ():
            if isinstance(selection, FieldNode):
                total += self.field(selection)
            elif isinstance(selection, InlineFragmentNode):
                total += self.selection_set(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode):
                total += self.fragment(selection.name.value)
        return total

    def field(self, node: FieldNode) -> Measure:
        alias = 1 if node.alias else 0
        # Introspection fields count as fields, but their nesting is the schema's, not the caller's.
        if node.name.value.startswith("__") or node.selection_set is None:
            return Measure(1, 0, alias)
        inner = self.selection_set(node.selection_set)
        return Measure(1 + inner.fields, 1 + inner.depth, alias + inner.aliases)

    def fragment(self, name: str) -> Measure:
        if name in self.measured:
            return self.measured[name]
        definition = self.fragments.get(name)
        if definition is None or name in self.measuring:
            return Measure()
        self.measuring.add(name)
        measure = self.measured[name] = self.selection_set(definition.selection_set)
        self.measuring.discard(name)
        return measure


def measure_operations(definitions: list[ExecutableDefinitionNode]) -> Measure:
    """All operations of a document together, each fragment spread counted where it is spread."""
    fragments = {d.name.value: d for d in definitions if isinstance(d, FragmentDefinitionNode)}
    meter = DocumentMeter(fragments)
    total = Measure()
    for definition in definitions:
        if isinstance(definition, OperationDefinitionNode):
            total += meter.selection_set(definition.selection_set)
    return total


def coded(message: str, code: str) -> GraphQLError:
    return GraphQLError(message, extensions={"code": code})


class DocumentLimits(ValidationRule):
    """Size first (QUERY_TOO_COMPLEX), then depth (QUERY_TOO_DEEP) and aliases (TOO_MANY_ALIASES)."""

    def __init__(self, context: ValidationContext) -> None:
        super().__init__(context)
        definitions = [d for d in context.document.definitions if isinstance(d, ExecutableDefinitionNode)]
        try:
            measure = measure_operations(definitions)
        except RecursionError:
            context.report_error(coded("The query is nested too deeply to be measured.", "QUERY_TOO_COMPLEX"))
            return
        if measure.fields > MAX_FIELDS:
            context.report_error(coded(
                f"The query selects {measure.fields} fields once its fragments are expanded; "
                f"at most {MAX_FIELDS} are allowed.", "QUERY_TOO_COMPLEX"))
            return
        if measure.depth > MAX_DEPTH:
            name = next((d.name.value for d in definitions if isinstance(d, OperationDefinitionNode) and d.name),
                        "anonymous")
            context.report_error(coded(f"'{name}' exceeds maximum operation depth of {MAX_DEPTH}",
                                       "QUERY_TOO_DEEP"))
        if measure.aliases > MAX_ALIASES:
            context.report_error(coded(f"{measure.aliases} aliases found. Allowed: {MAX_ALIASES}",
                                       "TOO_MANY_ALIASES"))
