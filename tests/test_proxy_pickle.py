"""Pickling and copying a proxy carry only its factory and cached defaults."""

from __future__ import annotations

import copy
import pickle
import re
import sys
import threading
from typing import Any

import cloudpickle
import dill
import pytest

from proxystore.factory import LambdaFactory
from proxystore.factory import SimpleFactory
from proxystore.proxy import Proxy
from proxystore.proxy import extract
from proxystore.proxy import is_resolved

PROTOCOLS = range(pickle.HIGHEST_PROTOCOL + 1)


def load_blob(size: int) -> bytes:
    """A module-level loader: pickles by reference."""
    return b'x' * size


@pytest.mark.parametrize('protocol', PROTOCOLS)
def test_pickled_proxy_is_unresolved_and_resolves_again(protocol: int) -> None:
    proxy = Proxy(LambdaFactory(load_blob, 4096))
    assert len(proxy) == 4096
    copy_ = pickle.loads(pickle.dumps(proxy, protocol=protocol))
    assert type(copy_) is Proxy
    assert not is_resolved(copy_)
    assert copy_ == b'x' * 4096


@pytest.mark.parametrize('protocol', PROTOCOLS)
def test_pickle_of_resolved_proxy_stays_small(protocol: int) -> None:
    proxy = Proxy(LambdaFactory(load_blob, 4096))
    extract(proxy)
    size = len(pickle.dumps(proxy, protocol=protocol))
    assert size < 200, size


@pytest.mark.parametrize('protocol', PROTOCOLS)
def test_pickle_carries_cached_defaults(protocol: int) -> None:
    proxy = Proxy(SimpleFactory('value'), cache_defaults=True, target='value')
    copy_ = pickle.loads(pickle.dumps(proxy, protocol=protocol))
    assert not is_resolved(copy_)
    assert isinstance(copy_, str)
    assert hash(copy_) == hash('value')
    assert not is_resolved(copy_)


def test_pickle_carries_cached_unhashable_error() -> None:
    proxy = Proxy(SimpleFactory([1]), cache_defaults=True, target=[1])
    copy_ = pickle.loads(pickle.dumps(proxy))
    with pytest.raises(TypeError):
        hash(copy_)
    assert isinstance(copy_, list)
    assert not is_resolved(copy_)


def test_a_proxy_without_cached_defaults_pickles_the_same_every_time() -> None:
    proxy = Proxy(SimpleFactory([1, 2]))
    first = proxy.__reduce__()
    assert first == (Proxy, (proxy.__proxy_factory__,))
    assert proxy.__reduce__() == first  # nothing changed by the first pickle
    assert proxy.__proxy_default_class__ is None
    assert proxy.__proxy_default_hash__ is None
    proxy.__proxy_default_class__ = list  # and caching still works after it
    assert proxy.__reduce__()[1][1] is list


@pytest.mark.parametrize(
    'dumps',
    [
        cloudpickle.dumps,
        pytest.param(
            dill.dumps,
            marks=pytest.mark.skipif(
                sys.version_info >= (3, 15),
                reason=f'dill {dill.__version__} cannot pickle code objects on '
                'Python 3.15, which removed code.co_lnotab',
            ),
        ),
    ],
)
def test_other_picklers(dumps: Any) -> None:
    proxy = Proxy(lambda: [1, 2, 3])  # a lambda: needs cloudpickle or dill
    extract(proxy)
    copy_ = pickle.loads(dumps(proxy))
    assert not is_resolved(copy_)
    assert copy_ == [1, 2, 3]


def test_pickle_does_not_resolve_the_proxy() -> None:
    calls = []
    proxy = Proxy(LambdaFactory(calls.append, 1))
    pickle.dumps(proxy)
    assert calls == []
    assert not is_resolved(proxy)


@pytest.mark.parametrize('copier', [copy.copy, copy.deepcopy])
def test_copies_are_unresolved_proxies_with_the_factory(copier: Any) -> None:
    proxy = Proxy(SimpleFactory([1, 2]))
    assert proxy == [1, 2]
    duplicate = copier(proxy)
    assert type(duplicate) is Proxy
    assert duplicate is not proxy
    assert not is_resolved(duplicate)
    assert duplicate == [1, 2]


def test_copy_keeps_cached_defaults() -> None:
    proxy = Proxy(SimpleFactory(3), cache_defaults=True, target=3)
    duplicate = copy.copy(proxy)
    assert isinstance(duplicate, int)
    assert hash(duplicate) == 3
    assert not is_resolved(duplicate)


def test_reduce_names_are_the_proxys_own() -> None:
    class Target:
        def __reduce__(self) -> Any:
            raise AssertionError('the target must not be pickled')

        def __deepcopy__(self, memo: Any) -> Any:
            raise AssertionError('the target must not be copied')

    proxy = Proxy(SimpleFactory(1))
    proxy.__proxy_wrapped__ = Target()
    assert not is_resolved(pickle.loads(pickle.dumps(proxy)))
    assert not is_resolved(copy.deepcopy(proxy))


def exceptions_inside(function: Any) -> list[tuple[str, type[BaseException]]]:
    """The exceptions raised in Python frames while `function` runs."""
    seen: list[tuple[str, type[BaseException]]] = []

    def tracer(frame: Any, event: str, arg: Any) -> Any:
        if event == 'exception':
            seen.append((frame.f_code.co_name, arg[0]))
        return tracer

    previous = sys.gettrace()
    sys.settrace(tracer)
    try:
        function()
    finally:
        sys.settrace(previous)
    return seen


@pytest.mark.parametrize(
    'options',
    [{}, {'target': 1}, {'target': 1, 'cache_defaults': True}],
    ids=['unresolved', 'with a target', 'with cached defaults'],
)
def test_pickling_a_new_proxy_raises_nothing_on_the_way(options: Any) -> None:
    # Pickling a proxy just made is the common first use of one; reading
    # its defaults must not go through a raised AttributeError.
    proxy = Proxy(SimpleFactory(1), **options)
    assert exceptions_inside(lambda: pickle.dumps(proxy)) == []


def test_uninitialized_proxy_cannot_be_pickled() -> None:
    with pytest.raises(TypeError, match='not initialized'):
        pickle.dumps(Proxy.__new__(Proxy))


def test_pickles_load_as_proxystore_writes_them() -> None:
    # The reconstructor name and arguments of proxystore 1.1.0's pickles.
    from proxystore.proxy import _proxy_trampoline

    proxy = _proxy_trampoline(SimpleFactory('v'), str, hash('v'))
    assert isinstance(proxy, str)
    assert not is_resolved(proxy)
    assert pickle.loads(pickle.dumps(proxy)) == 'v'


def load_pid() -> int:
    """A factory that reports the process it runs in."""
    import os

    return os.getpid()


def arrival(proxy: Proxy[int]) -> tuple[bool, int, int]:
    """In the worker: was the proxy unresolved on arrival, and where did it resolve."""
    import os

    unresolved = not is_resolved(proxy)
    return unresolved, extract(proxy), os.getpid()


@pytest.mark.subprocess
def test_proxy_sent_to_a_spawned_process_resolves_only_there() -> None:
    import multiprocessing
    import os
    from concurrent.futures import ProcessPoolExecutor

    proxy = Proxy(load_pid)
    context = multiprocessing.get_context('spawn')
    with ProcessPoolExecutor(1, mp_context=context) as pool:
        unresolved, resolved_in, worker = pool.submit(arrival, proxy).result(timeout=60)
    assert unresolved
    assert resolved_in == worker != os.getpid()
    assert not is_resolved(proxy)  # the parent never called the factory


class HoldsALock:
    """A factory defined at module level whose state cannot be pickled."""

    def __init__(self) -> None:
        self.lock = threading.Lock()

    def __call__(self) -> str:
        return 'value'


def test_unpicklable_factory_is_named_and_the_proxy_keeps_working() -> None:
    class Local:
        def __call__(self) -> str:
            return 'value'

    proxy = Proxy(Local())
    with pytest.raises((AttributeError, pickle.PicklingError), match='Local'):
        pickle.dumps(proxy)
    assert not is_resolved(proxy)
    assert proxy == 'value'  # untouched, and still works

    with pytest.raises((AttributeError, pickle.PicklingError), match='lambda'):
        pickle.dumps(Proxy(lambda: 1))


def test_factory_with_unpicklable_state_names_what_cannot_be_pickled() -> None:
    proxy = Proxy(HoldsALock())
    with pytest.raises(TypeError, match='lock'):
        pickle.dumps(proxy)
    assert not is_resolved(proxy)
    assert proxy == 'value'


# A pickle is data: what it restores is checked as the constructor checks it.


class Sub(Proxy[Any]):
    __slots__ = ('tag',)


def restore_args(**changes: Any) -> tuple[Any, ...]:
    args = {
        'cls': Sub,
        'factory': SimpleFactory(1),
        'default_class': None,
        'default_hash': None,
        'state': {'tag': 't'},
    }
    args.update(changes)
    return tuple(args.values())


def test_restore_rebuilds_an_unresolved_subclass_instance() -> None:
    from proxystore.proxy import _restore

    proxy = _restore(*restore_args(default_class=int, default_hash=1))
    assert type(proxy) is Sub
    assert proxy.tag == 't'
    assert not is_resolved(proxy)
    assert proxy.__proxy_default_class__ is int


@pytest.mark.parametrize(
    ('changes', 'message'),
    [
        ({'cls': int}, 'not a Proxy'),
        ({'cls': 'Proxy'}, 'not a Proxy'),
        ({'factory': 42}, 'Factory must be callable'),
        ({'default_class': 'int'}, '__proxy_default_class__ must be a class'),
        ({'default_hash': 'h'}, '__proxy_default_hash__ must be an int'),
        ({'state': ['tag']}, 'state of type list'),
        ({'state': {'__proxy_target__': 1}}, "state for '__proxy_target__'"),
    ],
)
def test_restore_refuses_what_the_constructor_would(
    changes: dict[str, Any],
    message: str,
) -> None:
    from proxystore.proxy import _restore

    with pytest.raises(TypeError, match=re.escape(message)):
        _restore(*restore_args(**changes))


def test_a_hand_made_pickle_cannot_restore_a_resolved_proxy() -> None:
    from proxystore.proxy import _restore

    class Forged:
        def __reduce__(self) -> Any:
            return _restore, restore_args(state={'__proxy_target__': 'forged'})

    with pytest.raises(TypeError, match='__proxy_target__'):
        pickle.loads(pickle.dumps(Forged()))


@pytest.mark.parametrize(
    ('args', 'message'),
    [
        ((42,), 'Factory must be callable'),
        ((SimpleFactory(1), 'int'), '__proxy_default_class__ must be a class'),
        ((SimpleFactory(1), int, 'h'), '__proxy_default_hash__ must be an int'),
    ],
)
def test_trampoline_refuses_what_the_constructor_would(
    args: tuple[Any, ...],
    message: str,
) -> None:
    from proxystore.proxy import _proxy_trampoline

    with pytest.raises(TypeError, match=re.escape(message)):
        _proxy_trampoline(*args)
