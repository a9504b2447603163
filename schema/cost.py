"""What a query costs, computed from the document and its variables before anything runs.

Every field costs 1. A field's selections are paid once per object it returns: a connection with
`first`/`last` (absent: the default page size) multiplies its edges by the page size, `nodes(ids:)`
by the number of ids, and any other list by UNPAGED_LIST_SIZE; nested connections compound. Each
fragment is priced once per page size it is spread under (memoised), so fragment fan-out costs
what the expanded document would, in linear time.
"""

from collections.abc import Mapping
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    value_from_ast_untyped,
)

from app.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE

# Lists without page arguments are small by construction (a product's variants, an order's lines,
# the channels); each counts as this many objects.
UNPAGED_LIST_SIZE = 10
MAX_IDS = 100

Composite = GraphQLObjectType | GraphQLInterfaceType


class CostMeter:
    def __init__(self, schema: GraphQLSchema, fragments: Mapping[str, FragmentDefinitionNode],
                 variables: Mapping[str, Any]) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = variables
        self.priced: dict[tuple[str, int | None], int] = {}
        self.pricing: set[str] = set()

    def selection_set(self, node: SelectionSetNode | None, parent: Any, page: int | None) -> int:
        """The cost of `node` for one `parent` object; `page` multiplies the lists directly below a
        connection."""
        total = 0
        for selection in node.selections if node else ():
            if isinstance(selection, FieldNode):
                total += self.field(selection, parent, page)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                target = self.schema.get_type(condition.name.value) if condition else parent
                total += self.selection_set(selection.selection_set, target, page)
            elif isinstance(selection, FragmentSpreadNode):
                total += self.fragment(selection.name.value, page)
        return total

    def fragment(self, name: str, page: int | None) -> int:
        key = (name, page)
        if key in self.priced:
            return self.priced[key]
        definition = self.fragments.get(name)
        if definition is None or name in self.pricing:
            return 0
        self.pricing.add(name)
        target = self.schema.get_type(definition.type_condition.name.value)
        cost = self.priced[key] = self.selection_set(definition.selection_set, target, page)
        self.pricing.discard(name)
        return cost

    def field(self, node: FieldNode, parent: Any, page: int | None) -> int:
        name = node.name.value
        fields = getattr(parent, "fields", None) or {}
        definition = fields.get(name)
        if name.startswith("__") or definition is None or node.selection_set is None:
            return 1  # introspection (bounded by the schema, off in production), unknown or a leaf
        own_page = self.page_size(node, definition.args)
        kind = definition.type.of_type if isinstance(definition.type, GraphQLNonNull) else definition.type
        if isinstance(kind, GraphQLList):
            times = page if page is not None else own_page if own_page is not None else self.ids(node)
            return 1 + times * self.selection_set(node.selection_set, get_named_type(kind), None)
        return 1 + self.selection_set(node.selection_set, get_named_type(kind), own_page)

    def page_size(self, node: FieldNode, args: Mapping[str, Any]) -> int | None:
        if "first" not in args and "last" not in args:
            return None
        given = [self.value(a.value) for a in node.arguments or () if a.name.value in ("first", "last")]
        given = [v for v in given if v is not None]
        if not given:
            return DEFAULT_PAGE_SIZE
        # Beyond the bounds, the field is refused when it runs: price it at the bound.
        return max(min(v, MAX_PAGE_SIZE) if isinstance(v, int) and not isinstance(v, bool) else MAX_PAGE_SIZE
                   for v in given)

    def ids(self, node: FieldNode) -> int:
        for argument in node.arguments or ():
            if argument.name.value == "ids":
                ids = self.value(argument.value)
                return min(len(ids), MAX_IDS) if isinstance(ids, list) else MAX_IDS
        return UNPAGED_LIST_SIZE

    def value(self, node: Any) -> Any:
        if isinstance(node, IntValueNode):
            return int(node.value)
        if isinstance(node, VariableNode):
            return self.variables.get(node.name.value)
        if isinstance(node, ListValueNode):
            return list(node.values)
        return value_from_ast_untyped(node, dict(self.variables))


def query_cost(schema: GraphQLSchema, operation: OperationDefinitionNode,
               fragments: Mapping[str, FragmentDefinitionNode], variables: Mapping[str, Any] | None) -> int:
    """The cost of one operation of a validated document. Variables the request leaves out take
    their declared defaults."""
    values = {d.variable.name.value: value_from_ast_untyped(d.default_value)
              for d in operation.variable_definitions or () if d.default_value is not None}
    values.update(variables or {})
    root = schema.get_root_type(operation.operation)
    return CostMeter(schema, fragments, values).selection_set(operation.selection_set, root, None)
