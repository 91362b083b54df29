"""`proxystore.proxy._property`: ProxyStore's private property helper."""

from __future__ import annotations

import pytest

from proxystore.proxy._property import ProxyProperty
from proxystore.proxy._property import proxy_property


class Box:
    def __init__(self) -> None:
        self.stored = 'instance'

    @proxy_property
    def plain(self) -> str:
        return self.stored

    @proxy_property(default='on the class')
    def defaulted(self) -> str:
        """The stored value."""
        return self.stored

    @defaulted.setter
    def _set_defaulted(self, value: str) -> None:
        self.stored = value

    @defaulted.deleter
    def _del_defaulted(self) -> None:
        self.stored = 'deleted'


def test_read_on_an_instance_calls_the_getter() -> None:
    assert Box().plain == 'instance'
    assert Box().defaulted == 'instance'


def test_read_on_the_class_gives_the_default() -> None:
    assert Box.defaulted == 'on the class'


def test_read_on_the_class_without_a_default_fails() -> None:
    with pytest.raises(AttributeError, match="'plain' of 'Box' has no default value"):
        Box.plain


def test_setter_and_deleter_apply_to_the_property_they_are_called_on() -> None:
    # Defined under other names, they still give `defaulted` a setter and a
    # deleter, as in ProxyStore.
    box = Box()
    box.defaulted = 'set'
    assert box.stored == 'set'
    del box.defaulted
    assert box.stored == 'deleted'
    # The decorators return a copy, bound to the name they decorate.
    copy = vars(Box)['_set_defaulted']
    assert isinstance(copy, ProxyProperty)
    assert copy.fset is vars(Box)['defaulted'].fset


def test_without_a_setter_or_deleter_writes_fail() -> None:
    box = Box()
    with pytest.raises(AttributeError, match="'plain' of 'Box' object has no setter"):
        box.plain = 'x'
    with pytest.raises(AttributeError, match="'plain' of 'Box' object has no deleter"):
        del box.plain


def test_doc_comes_from_the_getter_unless_given() -> None:
    assert vars(Box)['defaulted'].__doc__ == 'The stored value.'
    prop = ProxyProperty(lambda self: 1, doc='given')
    assert prop.__doc__ == 'given'


def test_unbound_read_without_an_owner() -> None:
    prop = ProxyProperty(lambda self: 1)
    with pytest.raises(AttributeError, match="of '\\?' has no default value"):
        prop.__get__(None, None)
