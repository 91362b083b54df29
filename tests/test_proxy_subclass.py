"""What a Proxy subclass defines wins over the target, and never resolves."""

from __future__ import annotations

import copy
import gc
import pickle
from typing import Any

import pytest

from _kinds import Wrapped
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


# Subclasses in the shape of proxystore's references (proxystore.store.ref):
# own slots set before __init__, a __proxy_wrapped__ that refuses use once
# the reference is invalid, their own pickling and copying.


class InvalidReference(Exception):
    pass


class Reference(Wrapped):
    __slots__ = ('__proxy_valid__',)

    def __init__(self, factory: Any, **kwargs: Any) -> None:
        object.__setattr__(self, '__proxy_valid__', True)
        super().__init__(factory, **kwargs)

    # Wrapped's setter and deleter, with a getter that checks validity first.
    @Wrapped.__proxy_wrapped__.getter
    def __proxy_wrapped__(self) -> Any:
        if not object.__getattribute__(self, '__proxy_valid__'):
            raise InvalidReference('invalid')
        return super().__proxy_wrapped__

    def invalidate(self) -> None:
        object.__setattr__(self, '__proxy_valid__', False)

    def __copy__(self) -> Any:
        raise NotImplementedError('no copies')

    def __deepcopy__(self, memo: Any) -> Any:
        raise NotImplementedError('no deep copies')

    def __reduce__(self) -> Any:
        object.__setattr__(self, '__proxy_valid__', False)
        return _rebuild_reference, (
            object.__getattribute__(self, '__proxy_factory__'),
            object.__getattribute__(self, '__proxy_default_class__'),
            object.__getattribute__(self, '__proxy_default_hash__'),
        )


class Owned(Reference):
    __slots__ = ('__proxy_owner__',)

    def __init__(self, factory: Any, **kwargs: Any) -> None:
        object.__setattr__(self, '__proxy_owner__', 'me')
        super().__init__(factory, **kwargs)


def _rebuild_reference(factory: Any, default_class: Any, default_hash: Any) -> Any:
    proxy = Reference(factory)
    object.__setattr__(proxy, '__proxy_default_class__', default_class)
    object.__setattr__(proxy, '__proxy_default_hash__', default_hash)
    return proxy


USES = {
    'getattr': lambda p: p.append,
    'setattr': lambda p: setattr(p, 'x', 1),
    'add': lambda p: p + [1],  # noqa: RUF005 - the proxy's __add__
    'radd': lambda p: [1] + p,  # noqa: RUF005 - the proxy's __radd__
    'iadd': lambda p: p.__iadd__([1]),
    'len': len,
    'str': str,
    'bool': bool,
    'iter': iter,
    'contains': lambda p: 1 in p,
    'getitem': lambda p: p[0],
    'eq': lambda p: p == [1],
    'class': lambda p: p.__class__,
    'extract': extract,
}


class Items(list[int]):
    """A list that takes attributes."""


@pytest.mark.parametrize('use', USES.values(), ids=USES)
@pytest.mark.parametrize('cls', [Reference, Owned])
def test_an_invalid_reference_refuses_every_operation(cls: Any, use: Any) -> None:
    proxy = cls(SimpleFactory(Items([1, 2])))
    use(proxy)  # valid: works
    proxy.invalidate()
    with pytest.raises(InvalidReference):
        use(proxy)


def test_an_invalid_reference_refuses_calls_and_hashing() -> None:
    proxy = Reference(SimpleFactory(len))
    assert proxy([1]) == 1
    assert hash(proxy) == hash(len)
    proxy.invalidate()
    with pytest.raises(InvalidReference):
        proxy([1])
    with pytest.raises(InvalidReference):
        hash(proxy)


def test_an_unresolved_reference_answers_from_its_cached_defaults() -> None:
    proxy = Reference(SimpleFactory('x'), cache_defaults=True, target='x')
    copy = pickle.loads(pickle.dumps(proxy))
    assert type(copy) is Reference
    assert not is_resolved(copy)
    copy.invalidate()
    assert hash(copy) == hash('x')
    assert isinstance(copy, str)
    assert not is_resolved(copy)


def test_a_reference_uses_its_own_reduce_copy_and_slots() -> None:
    proxy = Owned(SimpleFactory([1]))
    assert proxy.__proxy_owner__ == 'me'
    assert object.__getattribute__(proxy, '__proxy_valid__') is True
    with pytest.raises(NotImplementedError, match='no copies'):
        copy.copy(proxy)
    with pytest.raises(NotImplementedError, match='no deep copies'):
        copy.deepcopy(proxy)
    pickle.dumps(proxy)
    assert object.__getattribute__(proxy, '__proxy_valid__') is False
    assert not is_resolved(proxy)


def test_the_wrapped_setter_and_deleter_of_a_subclass_are_used() -> None:
    calls: list[str] = []

    class Recorded(Reference):
        # Reference's property, with a setter and a deleter that say so.
        __slots__ = ()

        @Reference.__proxy_wrapped__.setter
        def __proxy_wrapped__(self, target: Any) -> None:
            calls.append('set')
            Reference.__proxy_wrapped__.__set__(self, target)

        @__proxy_wrapped__.deleter
        def __proxy_wrapped__(self) -> None:
            calls.append('delete')
            Reference.__proxy_wrapped__.__delete__(self)

    proxy = Recorded(SimpleFactory([1]))
    proxy.__proxy_wrapped__ = [2]
    assert calls == ['set']
    assert proxy == [2]
    del proxy.__proxy_wrapped__
    assert calls == ['set', 'delete']
    assert not is_resolved(proxy)
    assert proxy == [1]


def test_type_and_isinstance_checks_of_subclasses_never_resolve() -> None:
    proxy = Owned(SimpleFactory([1]))
    assert type(proxy) in (Owned, Reference)
    assert isinstance(proxy, Owned)
    assert isinstance(proxy, Reference)
    assert isinstance(proxy, Proxy)
    assert not is_resolved(proxy)


def test_finalizer_of_a_subclass_runs() -> None:
    finalized: list[str] = []

    class Finalized(Proxy[Any]):
        __slots__ = ()

        def __del__(self) -> None:
            finalized.append('done')

    proxy = Finalized(SimpleFactory(1))
    assert proxy == 1
    del proxy
    gc.collect()
    assert finalized == ['done']


# Class attributes added or removed after instances exist.


def test_class_attributes_added_later_are_the_proxys() -> None:
    def function() -> None:
        pass

    class Derived(Proxy[Any]):
        pass

    proxy = Derived(lambda: function)
    Derived.ATTRIBUTE = 1  # type: ignore[attr-defined]
    assert proxy.ATTRIBUTE == 1
    assert not hasattr(function, 'ATTRIBUTE')
    assert not is_resolved(proxy)
    del Derived.ATTRIBUTE  # type: ignore[attr-defined]
    assert not hasattr(proxy, 'ATTRIBUTE')
    function.ATTRIBUTE = 2  # type: ignore[attr-defined]
    assert proxy.ATTRIBUTE == 2  # the target's shows through again


def test_attributes_added_to_a_base_reach_its_subclasses() -> None:
    class Base(Proxy[Any]):
        __slots__ = ()

    class Leaf(Base):
        __slots__ = ()

    proxy = Leaf(SimpleFactory(Target()))
    Base.describe = lambda self: 'base'  # type: ignore[attr-defined]
    assert proxy.describe() == 'base'
    assert not is_resolved(proxy)
    del Base.describe  # type: ignore[attr-defined]
    assert proxy.describe() == 'target'


def test_a_method_added_later_may_read_the_proxys_own_names() -> None:
    class Late(Proxy[Any]):
        __slots__ = ()

    proxy = Late(SimpleFactory('x'))
    Late.factory_name = property(  # type: ignore[attr-defined]
        lambda self: type(self.__proxy_factory__).__name__,
    )
    assert proxy.factory_name == 'SimpleFactory'
    assert not is_resolved(proxy)


# __getattr__ in a subclass.


def test_subclass_getattr_sees_every_attribute_not_its_own() -> None:
    accessed: list[str] = []

    class Logged(Proxy[Any]):
        __slots__ = ('tag',)

        def __getattr__(self, name: str) -> Any:
            accessed.append(name)
            return super().__getattr__(name)  # type: ignore[misc]

    target = Target()
    proxy = Logged(SimpleFactory(target))
    proxy.tag = 't'
    assert proxy.name == 'target'
    assert proxy.describe() == 'target'
    assert proxy.tag == 't'
    assert proxy.__class__ is Target
    assert accessed == ['name', 'describe']
    assert not hasattr(proxy, 'missing')
    assert accessed[-1] == 'missing'
    assert isinstance(proxy, Target)


def test_subclass_getattr_can_answer_for_itself() -> None:
    class Defaulting(Proxy[Any]):
        __slots__ = ()

        def __getattr__(self, name: str) -> Any:
            try:
                return super().__getattr__(name)  # type: ignore[misc]
            except AttributeError:
                return f'default {name}'

    proxy = Defaulting(SimpleFactory(Target()))
    assert proxy.name == 'target'
    assert proxy.anything == 'default anything'


def test_getattr_added_to_a_subclass_later_is_called() -> None:
    class Later(Proxy[Any]):
        __slots__ = ()

    proxy = Later(SimpleFactory(Target()))
    assert proxy.name == 'target'
    Later.__getattr__ = lambda self, name: f'later {name}'  # type: ignore[method-assign]
    assert proxy.name == 'later name'
    del Later.__getattr__
    assert proxy.name == 'target'


def test_plain_proxy_has_no_getattr_of_its_own() -> None:
    # A proxy forwards in __getattribute__: a __getattr__ on Proxy would be
    # called again after every miss on the target.
    assert '__getattr__' not in vars(Proxy)
    calls: list[str] = []

    class Counting:
        def __getattr__(self, name: str) -> Any:
            calls.append(name)
            raise AttributeError(name)

    proxy = Proxy(Counting)
    assert not hasattr(proxy, 'missing')
    assert calls == ['missing']


# The metaclass compiles a subclass's hooks again only when its names change.


@pytest.fixture
def compilations(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The qualified names of the classes hooks are compiled for, in order."""
    from proxystore.proxy import _subclass

    compiled: list[str] = []
    compile_methods = _subclass.compile_methods

    def counted(*args: Any, **kwargs: Any) -> Any:
        compiled.append(kwargs['qualname'])
        return compile_methods(*args, **kwargs)

    monkeypatch.setattr(_subclass, 'compile_methods', counted)
    return compiled


def test_assigning_class_attributes_compiles_once_per_new_name(
    compilations: list[str],
) -> None:
    class Counter(Proxy[Any]):
        __slots__ = ('tag',)

    assert compilations == [Counter.__qualname__]
    hook = vars(Counter)['__getattribute__']
    proxy = Counter(SimpleFactory(Target()))
    for value in range(100):
        Counter.attribute = value  # type: ignore[attr-defined]
        assert proxy.attribute == value
    # One compilation for the new name; the 99 new values compile nothing.
    assert compilations == [Counter.__qualname__] * 2
    assert vars(Counter)['__getattribute__'] is not hook
    hook = vars(Counter)['__getattribute__']
    Counter.attribute = 'again'  # type: ignore[attr-defined]
    assert vars(Counter)['__getattribute__'] is hook
    assert not is_resolved(proxy)
    del Counter.attribute  # type: ignore[attr-defined]
    assert compilations == [Counter.__qualname__] * 3
    assert proxy.name == 'target'  # forwarded again


def test_a_new_value_on_a_base_compiles_nothing_for_its_subclasses(
    compilations: list[str],
) -> None:
    class Base(Proxy[Any]):
        __slots__ = ()
        name = 'base'

    class Leaf(Base):
        __slots__ = ()

    compilations.clear()
    proxy = Leaf(SimpleFactory(Target()))
    Base.name = 'changed'
    assert proxy.name == 'changed'
    assert compilations == []
    Base.describe = lambda self: 'base'  # type: ignore[attr-defined]
    assert proxy.describe() == 'base'
    assert sorted(compilations) == sorted([Base.__qualname__, Leaf.__qualname__])


def test_a_replaced_getattr_leaves_the_mro_alone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from proxystore.proxy._subclass import ProxyType

    class Delegating(Proxy[Any]):
        __slots__ = ()

        def __getattr__(self, name: str) -> Any:
            return super().__getattr__(name)  # type: ignore[misc]

    class Leaf(Delegating):
        __slots__ = ()

    computed: list[type] = []
    mro = ProxyType.mro

    def counted(cls: type) -> list[type]:
        computed.append(cls)
        return mro(cls)

    monkeypatch.setattr(ProxyType, 'mro', counted)
    proxy = Leaf(SimpleFactory(Target()))
    order = Leaf.__mro__

    def replaced(self: Any, name: str) -> Any:
        return ('replaced', super(Delegating, self).__getattr__(name))

    Delegating.__getattr__ = replaced  # type: ignore[method-assign]
    assert proxy.name == ('replaced', 'target')
    assert computed == []
    assert Leaf.__mro__ == order
    # Deleting it takes the fallback out of the MRO, of the subclass too.
    del Delegating.__getattr__
    assert computed == [Delegating, Leaf]
    assert proxy.name == 'target'
    assert len(Leaf.__mro__) == len(order) - 1


def test_a_getattr_added_later_may_delegate_to_the_target() -> None:
    class Later(Proxy[Any]):
        __slots__ = ()

    proxy = Later(SimpleFactory(Target()))

    def logged(self: Any, name: str) -> Any:
        return ('logged', super(Later, self).__getattr__(name))

    Later.__getattr__ = logged  # type: ignore[attr-defined]
    assert proxy.name == ('logged', 'target')
    with pytest.raises(AttributeError, match='missing'):
        proxy.missing


# One forwarding table: Proxy's.


def test_only_proxy_declares_a_forwarding_table() -> None:
    from proxystore.proxy._forwarding import forward

    with pytest.raises(TypeError, match='only Proxy declares the forwarding table'):

        class Table(Proxy[Any]):
            __slots__ = ()
            __len__ = forward('len(target)')

    class Again(Proxy[Any]):
        __slots__ = ()

    from proxystore.proxy._subclass import compile_forwarding

    with pytest.raises(RuntimeError, match='compiled already, for Proxy'):
        compile_forwarding(Again, names={}, own=frozenset())
