"""A safe PyYAML loader that reads YAML the way Rasa's reader does.

Rasa reads its files with ruamel in YAML 1.2 mode, so ``yes``/``no``/``on``/
``off`` stay strings and ``010`` is ten; PyYAML speaks YAML 1.1. This module
gives PyYAML a YAML 1.2 core-schema resolver, containers that remember their
line numbers (:class:`LineDict`, :class:`LineList`), a refusal of duplicate
keys (ruamel refuses them too) and a cap on alias expansion so that an
"alias bomb" is rejected before anything walks the document.
"""
from __future__ import annotations

import re
from collections.abc import Hashable
from typing import Any, Iterator

import yaml
from yaml.composer import Composer
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.parser import Parser
from yaml.reader import Reader
from yaml.resolver import BaseResolver
from yaml.scanner import Scanner

#: Largest number of nodes a document may have once aliases are expanded.
MAX_EXPANDED_NODES = 2_000_000
#: Deepest nesting accepted; deeper documents are not Rasa data.
MAX_DEPTH = 200

_MERGE_TAG = "tag:yaml.org,2002:merge"


class LineDict(dict):
    """A dict loaded from YAML that knows where it and its keys start.

    Attributes:
        line: 1-based line of the mapping.
        key_lines: 1-based line of each key.
    """

    __slots__ = ("line", "key_lines")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.line: int | None = None
        self.key_lines: dict[Any, int] = {}


class LineList(list):
    """A list loaded from YAML that knows where it and its items start.

    Attributes:
        line: 1-based line of the sequence.
        item_lines: 1-based line of each item, by index.
    """

    __slots__ = ("line", "item_lines")

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.line: int | None = None
        self.item_lines: list[int] = []


class Yaml12Resolver(BaseResolver):
    """Implicit tags of the YAML 1.2 core schema (plus timestamps and merges).

    ruamel, which Rasa uses, also resolves timestamps and ``<<`` merge keys in
    1.2 mode, so those are kept.
    """


def _add(tag: str, pattern: str, first: str) -> None:
    Yaml12Resolver.add_implicit_resolver(tag, re.compile(f"^(?:{pattern})$", re.X), list(first))


_add("tag:yaml.org,2002:bool", "true|True|TRUE|false|False|FALSE", "tTfF")
_add(
    "tag:yaml.org,2002:int",
    r"[-+]?0b[01_]+ | [-+]?0o[0-7_]+ | [-+]?0x[0-9a-fA-F_]+ | [-+]?[0-9][0-9_]*",
    "-+0123456789",
)
_add(
    "tag:yaml.org,2002:float",
    r"""[-+]?[0-9][0-9_]*\.[0-9_]*(?:[eE][-+]?[0-9]+)?
      | [-+]?[0-9][0-9_]*[eE][-+]?[0-9]+
      | [-+]?\.[0-9][0-9_]*(?:[eE][-+]?[0-9]+)?
      | [-+]?\.(?:inf|Inf|INF)
      | \.(?:nan|NaN|NAN)""",
    "-+0123456789.",
)
_add("tag:yaml.org,2002:null", "~|null|Null|NULL|", "~nN")
# An empty plain scalar also resolves to null; the resolver looks it up by "".
Yaml12Resolver.yaml_implicit_resolvers.setdefault("", []).append(
    ("tag:yaml.org,2002:null", re.compile(r"^$"))
)
_add(
    "tag:yaml.org,2002:timestamp",
    r"""[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}
      (?:(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?
         (?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?)?""",
    "0123456789",
)
_add("tag:yaml.org,2002:merge", "<<", "<")


class MarkedConstructor(SafeConstructor):
    """Safe constructor building :class:`LineDict`/:class:`LineList` values.

    It refuses duplicate mapping keys and reads integers the YAML 1.2 way
    (a leading zero does not mean octal).
    """

    def construct_yaml_int(self, node: ScalarNode) -> int:
        """Read a YAML 1.2 integer (``0o``, ``0x``, ``0b`` prefixes)."""
        text = str(self.construct_scalar(node)).replace("_", "")
        sign = -1 if text.startswith("-") else 1
        text = text.lstrip("+-")
        for prefix, base in (("0b", 2), ("0o", 8), ("0x", 16)):
            if text.startswith(prefix):
                return sign * int(text[2:], base)
        return sign * int(text, 10)

    def construct_marked_map(self, node: MappingNode) -> Iterator[LineDict]:
        """Build a mapping, recording the lines of the mapping and its keys."""
        data = LineDict()
        data.line = node.start_mark.line + 1
        yield data
        self._refuse_duplicate_keys(node)
        self.flatten_mapping(node)
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=False)
            if not isinstance(key, Hashable):
                raise ConstructorError(
                    "while constructing a mapping",
                    node.start_mark,
                    "found an unhashable key",
                    key_node.start_mark,
                )
            data[key] = self.construct_object(value_node, deep=False)
            data.key_lines.setdefault(key, key_node.start_mark.line + 1)

    def construct_marked_seq(self, node: SequenceNode) -> Iterator[LineList]:
        """Build a sequence, recording the lines of the sequence and its items."""
        data = LineList()
        data.line = node.start_mark.line + 1
        yield data
        data.extend(self.construct_object(child, deep=False) for child in node.value)
        data.item_lines = [child.start_mark.line + 1 for child in node.value]

    def _refuse_duplicate_keys(self, node: MappingNode) -> None:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            if key_node.tag == _MERGE_TAG or not isinstance(key_node, ScalarNode):
                continue
            key = self.construct_object(key_node)
            if isinstance(key, Hashable):
                if key in seen:
                    raise ConstructorError(
                        "while constructing a mapping",
                        node.start_mark,
                        f"found duplicate key {key!r}",
                        key_node.start_mark,
                    )
                seen.add(key)


MarkedConstructor.add_constructor("tag:yaml.org,2002:int", MarkedConstructor.construct_yaml_int)
MarkedConstructor.add_constructor("tag:yaml.org,2002:map", MarkedConstructor.construct_marked_map)
MarkedConstructor.add_constructor("tag:yaml.org,2002:seq", MarkedConstructor.construct_marked_seq)


class ExpansionError(yaml.MarkedYAMLError):
    """The document is too big, too deep or recursive once aliases expand."""


def check_expansion(root: Node, max_nodes: int = MAX_EXPANDED_NODES, max_depth: int = MAX_DEPTH) -> int:
    """Return the node count of ``root`` with aliases expanded, or raise.

    Aliases make the node graph a DAG, so sizes are memoised per node; the
    walk stops as soon as the running total passes ``max_nodes``.

    Raises:
        ExpansionError: The expansion is larger than ``max_nodes``, deeper
            than ``max_depth``, or recursive.
    """
    sizes: dict[int, int] = {}
    on_path: set[int] = set()
    # Iterative post-order walk: (node, depth, children pushed yet?).
    stack: list[tuple[Node, int, bool]] = [(root, 1, False)]
    while stack:
        node, depth, expanded = stack.pop()
        key = id(node)
        if expanded:
            on_path.discard(key)
            total = 1 + sum(sizes[id(c)] for c in _children(node))
            if total > max_nodes:
                raise ExpansionError(
                    None, None,
                    f"the document expands to more than {max_nodes} nodes "
                    "(aliases referencing aliases); refusing to load it",
                    node.start_mark,
                )
            sizes[key] = total
            continue
        if key in sizes:
            continue
        if key in on_path:
            raise ExpansionError(None, None, "found a recursive alias", node.start_mark)
        if depth > max_depth:
            raise ExpansionError(
                None, None, f"the document is nested deeper than {max_depth} levels", node.start_mark
            )
        on_path.add(key)
        stack.append((node, depth, True))
        for child in _children(node):
            if id(child) in on_path:
                raise ExpansionError(None, None, "found a recursive alias", child.start_mark)
            if id(child) not in sizes:
                stack.append((child, depth + 1, False))
    return sizes[id(root)]


def _children(node: Node) -> Iterator[Node]:
    if isinstance(node, SequenceNode):
        yield from node.value
    elif isinstance(node, MappingNode):
        for key_node, value_node in node.value:
            yield key_node
            yield value_node


class _ExpansionCheck:
    """Mixin: check alias expansion right after the document is composed."""

    def get_single_node(self) -> Node | None:
        """Compose the single document, then refuse it if it expands too far."""
        node = super().get_single_node()  # type: ignore[misc]
        if node is not None:
            check_expansion(node)
        return node


class PyMarkedLoader(_ExpansionCheck, Reader, Scanner, Parser, Composer, MarkedConstructor, Yaml12Resolver):
    """Pure-Python safe loader with line marks and YAML 1.2 scalars."""

    def __init__(self, stream: str) -> None:
        Reader.__init__(self, stream)
        Scanner.__init__(self)
        Parser.__init__(self)
        Composer.__init__(self)
        MarkedConstructor.__init__(self)
        Yaml12Resolver.__init__(self)


MarkedLoader: type = PyMarkedLoader

if getattr(yaml, "__with_libyaml__", False):
    from yaml._yaml import CParser

    class CMarkedLoader(_ExpansionCheck, CParser, MarkedConstructor, Yaml12Resolver):  # type: ignore[misc]
        """libyaml-backed (faster) version of :class:`PyMarkedLoader`."""

        def __init__(self, stream: str) -> None:
            CParser.__init__(self, stream)
            MarkedConstructor.__init__(self)
            Yaml12Resolver.__init__(self)

    MarkedLoader = CMarkedLoader


def load_marked(text: str, loader_class: type | None = None) -> Any:
    """Load one YAML document with :data:`MarkedLoader` (libyaml when available).

    Args:
        text: The YAML source.
        loader_class: Another loader class, e.g. :class:`PyMarkedLoader`.

    Raises:
        yaml.YAMLError: The text is not valid YAML or is refused.
    """
    loader = (loader_class or MarkedLoader)(text)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()
