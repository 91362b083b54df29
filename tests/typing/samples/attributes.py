"""Attributes of `Proxy[T]`: typed as on `T` with the plugin, `Any` without.

The comments give the types mypy reveals, in strict mode, with the plugin
and without it (the notation is explained in tests/test_typing.py).
"""

from __future__ import annotations

from typing import ClassVar
from typing import NamedTuple

from typing_extensions import Self
from typing_extensions import reveal_type

from proxystore.factory import SimpleFactory
from proxystore.proxy import Proxy
from proxystore.proxy import extract


class Node:
    kind: ClassVar[str] = 'node'
    limit = 10

    def __init__(self, name: str) -> None:
        self.name = name
        self.children: list[Node] = []

    def add(self, child: Node, *, first: bool = False) -> int:
        self.children.insert(0 if first else len(self.children), child)
        return len(self.children)

    def copy(self) -> Self:
        return self

    @property
    def size(self) -> int:
        return len(self.children)

    @classmethod
    def leaf(cls, name: str) -> Node:
        return cls(name)

    @staticmethod
    def separator() -> str:
        return '/'


class Pair(NamedTuple):
    left: int
    right: str


node = Proxy(SimpleFactory(Node('root')))
reveal_type(node)  # R: proxystore.proxy.Proxy[attributes.Node]

# Instance attributes, class attributes and properties.
reveal_type(node.name)  # plugin R: str  # plain R: Any
reveal_type(node.children)  # plugin R: list[attributes.Node]  # plain R: Any
reveal_type(node.kind)  # plugin R: str  # plain R: Any
reveal_type(node.limit)  # plugin R: int  # plain R: Any
reveal_type(node.size)  # plugin R: int  # plain R: Any

# Methods keep their signatures; calls are checked against them.
# plugin R: def (child: attributes.Node, *, first: bool =) -> int
# plain R: Any
reveal_type(node.add)
reveal_type(node.add(Node('leaf'), first=True))  # plugin R: int  # plain R: Any
reveal_type(node.copy())  # plugin R: attributes.Node  # plain R: Any
reveal_type(node.leaf('x'))  # plugin R: attributes.Node  # plain R: Any
reveal_type(node.separator())  # plugin R: str  # plain R: Any

# Generic targets.
numbers = Proxy(lambda: [1, 2, 3])
reveal_type(numbers.pop())  # plugin R: int  # plain R: Any
reveal_type(numbers.append)  # plugin R: def (int)  # plain R: Any
table: Proxy[dict[str, list[int]]] = Proxy(lambda: {'a': [1]})
reveal_type(table.get('a'))  # plugin R: list[int] | None  # plain R: Any
# plugin R: _collections_abc.dict_items[str, list[int]]
# plain R: Any
reveal_type(table.items())
pair = Proxy(lambda: Pair(1, 'a'))
reveal_type(pair.right)  # plugin R: str  # plain R: Any
text = Proxy(lambda: 'text')
reveal_type(text.upper())  # plugin R: str  # plain R: Any
cls = Proxy(lambda: Node)
reveal_type(cls.kind)  # plugin R: str  # plain R: Any
reveal_type(cls.leaf)  # plugin R: def (name: str) -> attributes.Node  # plain R: Any

# Attributes of attributes, and proxies of proxies.
reveal_type(node.children[0].name)  # plugin R: str  # plain R: Any
nested = Proxy(lambda: Proxy(lambda: Node('inner')))
reveal_type(nested.name)  # plugin R: str  # plain R: Any

# A proxy's __class__ is its target's, as at runtime (type() is not).
# plugin R: type[attributes.Node]
# plain R: type[proxystore.proxy.Proxy[attributes.Node]]
reveal_type(node.__class__)
reveal_type(Node('plain').__class__)  # R: type[attributes.Node]
reveal_type(type(node))  # R: type[proxystore.proxy.Proxy[attributes.Node]]

# What the proxy itself defines is not forwarded.
reveal_type(extract(node))  # R: attributes.Node
reveal_type(len(numbers))  # R: int
reveal_type(numbers * 2)  # R: Any
reveal_type(node.__proxy_factory__)  # R: def () -> attributes.Node
