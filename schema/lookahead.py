"""Which fields a query selected below the current one, so a list resolver can prefetch the
relations it will need in a few statements instead of one loader round per field."""

from graphql import FieldNode, FragmentSpreadNode, InlineFragmentNode, SelectionSetNode
from strawberry.types import Info


def selected_paths(info: Info) -> frozenset[str]:
    """Dotted paths of selected fields under this one ("edges.node.variants.quantityAvailable").
    Fragments are followed; @skip/@include are ignored (prefetching a skipped field is harmless)."""
    raw = info._raw_info
    paths: set[str] = set()

    def walk(selection_set: SelectionSetNode | None, prefix: str) -> None:
        if selection_set is None:
            return
        for node in selection_set.selections:
            if isinstance(node, FieldNode):
                path = f"{prefix}{node.name.value}"
                paths.add(path)
                walk(node.selection_set, path + ".")
            elif isinstance(node, InlineFragmentNode):
                walk(node.selection_set, prefix)
            elif isinstance(node, FragmentSpreadNode):
                fragment = raw.fragments.get(node.name.value)
                if fragment is not None:
                    walk(fragment.selection_set, prefix)

    for field_node in raw.field_nodes:
        walk(field_node.selection_set, "")
    return frozenset(paths)
