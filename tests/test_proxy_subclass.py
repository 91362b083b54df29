"""What a Proxy subclass defines wins over the target, and never resolves."""

from __future__ import annotations

import pickle
from typing import Any

import pytest

from proxystore.factory import SimpleFactory
from proxystore.proxy import Proxy
from proxystore.proxy import extract
from proxystore.proxy import is_resolved


class Target:
    name = 'target'

    def describe(self) -> str:
        return 'target'


class Tagged(Proxy[Any]):
    """A subclass with slots, a class attribute, a method and a property."""

    __slots__ = ('tag',)
    name = 'subclass'

    def __init__(self, factory: Any, tag: str) -> None:
        super().__init__(factory)
        self.tag = tag

    def describe(self) -> str:
        return f'tagged {self.tag}'

    @property
    def label(self) -> str:
        return f'<{self.tag}>'


class Loose(Proxy[Any]):
    """A subclass without __slots__: instances have a __dict__."""


class Masked(Proxy[Any]):
    __slots__ = ()

    @property  # type: ignore[misc]
    def __class__(self) -> type:  # type: ignore[override]
        return dict


class Plain(Proxy[Any]):
    __slots__ = ()


def test_subclass_members_win_and_do_not_resolve() -> None:
    proxy = Tagged(SimpleFactory(Target()), 'a')
    assert proxy.tag == 'a'
    assert proxy.name == 'subclass'
    assert proxy.describe() == 'tagged a'
    assert proxy.label == '<a>'
    assert not is_resolved(proxy)
    # Everything else goes to the target.
    assert extract(proxy).describe() == 'target'


def test_subclass_slot_attributes_are_set_on_the_proxy() -> None:
    target = Target()
    proxy = Tagged(SimpleFactory(target), 'a')
    proxy.tag = 'b'
    assert proxy.tag == 'b'
    assert not hasattr(target, 'tag')
    del proxy.tag
    with pytest.raises(AttributeError):
        proxy.tag
    assert not is_resolved(proxy)


def test_other_attributes_of_a_subclass_go_to_the_target() -> None:
    target = Target()
    proxy = Tagged(SimpleFactory(target), 'a')
    proxy.extra = 1
    assert target.extra == 1  # type: ignore[attr-defined]
    assert proxy.extra == 1
    del proxy.extra
    assert not hasattr(target, 'extra')


def test_instance_attributes_of_a_subclass_without_slots() -> None:
    target = Target()
    proxy = Loose(SimpleFactory(target))
    object.__setattr__(proxy, 'note', 'mine')
    assert proxy.note == 'mine'
    proxy.note = 'changed'
    assert object.__getattribute__(proxy, '__dict__') == {'note': 'changed'}
    assert not is_resolved(proxy)
    proxy.other = 1  # not the proxy's: goes to the target
    assert target.other == 1  # type: ignore[attr-defined]
    del proxy.note
    assert not hasattr(target, 'note')
    # vars() and __dict__ still answer for the target.
    assert vars(proxy) is vars(target)


def test_subclass_class_override() -> None:
    proxy = Masked(SimpleFactory([1]))
    assert proxy.__class__ is dict
    assert isinstance(proxy, dict)
    assert not is_resolved(proxy)


def test_subclass_without_additions_behaves_like_proxy() -> None:
    proxy = Plain(SimpleFactory([1, 2]))
    assert proxy == [1, 2]
    assert isinstance(proxy, list)
    assert type(proxy) is Plain
    assert '__getattribute__' not in vars(Plain)


def test_subclass_operators_override() -> None:
    class Adder(Proxy[Any]):
        __slots__ = ()

        def __add__(self, other: Any) -> str:
            return 'overridden'

    proxy = Adder(SimpleFactory(1))
    assert proxy + 1 == 'overridden'
    assert proxy - 1 == 0


def test_subclass_own_getattribute_is_kept() -> None:
    class Custom(Proxy[Any]):
        __slots__ = ()

        def __getattribute__(self, name: str) -> Any:
            if name == 'magic':
                return 42
            return super().__getattribute__(name)

    class Deeper(Custom):
        __slots__ = ('x',)

    proxy = Deeper(SimpleFactory(Target()))
    assert proxy.magic == 42
    assert proxy.describe() == 'target'


def test_subclass_of_subclass_sees_all_own_names() -> None:
    class Deeper(Tagged):
        __slots__ = ('extra_tag',)

        def deeper(self) -> str:
            return 'deeper'

    proxy = Deeper(SimpleFactory(Target()), 'a')
    proxy.extra_tag = 'e'
    assert proxy.deeper() == 'deeper'
    assert proxy.describe() == 'tagged a'
    assert proxy.extra_tag == 'e'
    assert not is_resolved(proxy)


@pytest.mark.parametrize('protocol', range(pickle.HIGHEST_PROTOCOL + 1))
def test_subclass_pickles_with_its_own_state(protocol: int) -> None:
    proxy = Tagged(SimpleFactory('value'), 'a')
    assert proxy == 'value'
    copy = pickle.loads(pickle.dumps(proxy, protocol=protocol))
    assert type(copy) is Tagged
    assert copy.tag == 'a'
    assert not is_resolved(copy)
    assert copy == 'value'

    loose = Loose(SimpleFactory('value'), cache_defaults=True, target='value')
    object.__setattr__(loose, 'note', 'kept')
    copy_loose = pickle.loads(pickle.dumps(loose, protocol=protocol))
    assert copy_loose.note == 'kept'
    assert isinstance(copy_loose, str)
    assert not is_resolved(copy_loose)


def test_repr_names_the_subclass() -> None:
    assert repr(Plain(SimpleFactory(1))).startswith('<Plain at 0x')
