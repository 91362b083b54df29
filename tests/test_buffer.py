"""On CPython 3.12+, a proxy exports its target's buffer (PEP 688)."""

from __future__ import annotations

import array
import gc
import hashlib
import io
import socket
import struct
import sys
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from proxystore.proxy import Proxy
from proxystore.proxy import extract

try:
    import numpy as np
except ImportError:  # no wheel for the platform (Pyodide): no array targets then
    np = None

BUFFERS = sys.version_info >= (3, 12)
needs_buffers = pytest.mark.skipif(not BUFFERS, reason='PEP 688 is CPython 3.12+')

TARGETS: dict[str, Callable[[], Any]] = {
    'bytes': lambda: b'\x01\x00\x00\x00\x02\x00\x00\x00',
    'bytearray': lambda: bytearray(b'\x01\x00\x00\x00\x02\x00\x00\x00'),
    'array': lambda: array.array('i', [1, 2]),
    'memoryview': lambda: memoryview(bytearray(range(8))).cast('B', (2, 4)),
    'read-only memoryview': lambda: memoryview(b'abcdefgh'),
}
if np is not None:
    TARGETS['ndarray'] = lambda: np.arange(6, dtype=np.float32).reshape(2, 3)
    TARGETS['strided ndarray'] = lambda: np.arange(8, dtype=np.int16)[::2]
WRITABLE = [
    name
    for name in ['bytearray', 'array', 'memoryview', 'ndarray', 'strided ndarray']
    if name in TARGETS
]


def layout(view: memoryview) -> tuple[Any, ...]:
    return (
        view.tobytes(),
        view.format,
        view.itemsize,
        view.shape,
        view.strides,
        view.readonly,
        view.c_contiguous,
        view.nbytes,
    )


@needs_buffers
@pytest.mark.parametrize('name', TARGETS)
def test_memoryview_shows_the_targets_buffer(name: str) -> None:
    target = TARGETS[name]()
    with memoryview(target) as bare, memoryview(Proxy(lambda: target)) as proxied:
        assert layout(proxied) == layout(bare)
        assert proxied.tolist() == bare.tolist()


@needs_buffers
@pytest.mark.parametrize('name', TARGETS)
def test_buffer_consumers_take_a_proxy(name: str, tmp_path: Path) -> None:
    target = TARGETS[name]()
    proxy = Proxy(lambda: target)
    data = memoryview(target).tobytes()
    assert bytes(memoryview(proxy)) == data
    contiguous = memoryview(target).contiguous
    if contiguous:
        assert hashlib.sha256(proxy).digest() == hashlib.sha256(data).digest()
        assert struct.unpack_from('=B', proxy, 1) == (data[1],)
        if np is not None:
            assert np.frombuffer(proxy, np.uint8).tobytes() == data
        path = tmp_path / 'data'
        with path.open('wb') as file:
            assert file.write(proxy) == len(data)
        assert path.read_bytes() == data
        if sys.platform not in {'emscripten', 'wasi'}:  # no sockets there
            left, right = socket.socketpair()
            with left, right:
                left.sendall(proxy)
                assert right.recv(len(data) + 1) == data
    else:
        # Consumers that need a contiguous buffer refuse as they do bare.
        consumers: list[Callable[[Any], Any]] = [hashlib.sha256]
        if np is not None:
            consumers.append(lambda x: np.frombuffer(x, np.uint8))
        for consumer in consumers:
            with pytest.raises(Exception) as bare:
                consumer(target)
            with pytest.raises(type(bare.value)) as proxied:
                consumer(proxy)
            assert str(proxied.value) == str(bare.value)


@needs_buffers
def test_frombuffer_with_the_targets_dtype() -> None:
    pytest.importorskip('numpy')
    target = np.arange(4, dtype=np.int32)
    assert np.frombuffer(Proxy(lambda: target), np.int32).tolist() == [0, 1, 2, 3]
    assert np.frombuffer(Proxy(lambda: bytes(target)), np.int32).tolist() == [
        0,
        1,
        2,
        3,
    ]


@needs_buffers
@pytest.mark.parametrize('name', WRITABLE)
def test_a_writable_target_is_written_through_memoryview(name: str) -> None:
    target = TARGETS[name]()
    with memoryview(Proxy(lambda: target)) as view:
        assert not view.readonly
        flat = view.cast('B') if view.c_contiguous else None
        if flat is not None:
            flat[0] = 0xFF
            flat.release()
            assert memoryview(target).cast('B')[0] == 0xFF
        else:
            view[0] = 7
            assert memoryview(target)[0] == 7


@needs_buffers
def test_readinto_fills_a_proxy_of_a_bytearray() -> None:
    target = bytearray(3)
    assert io.BytesIO(b'abc').readinto(Proxy(lambda: target)) == 3
    assert target == b'abc'


@needs_buffers
@pytest.mark.parametrize('name', ['bytes', 'read-only memoryview'])
def test_a_read_only_target_refuses_writes_as_it_does_bare(name: str) -> None:
    import inspect

    target = TARGETS[name]()
    proxy = Proxy(lambda: target)
    with memoryview(proxy) as view:
        assert view.readonly
        with pytest.raises(TypeError, match='read-only'):
            view[0] = 1
    with pytest.raises(TypeError, match='read-write bytes-like'):
        io.BytesIO(b'abc').readinto(proxy)
    # Asked for a writable buffer, the target's own error.
    writable = inspect.BufferFlags.WRITABLE  # type: ignore[attr-defined]
    with pytest.raises(BufferError) as bare:
        type(target).__buffer__(target, writable)
    with pytest.raises(BufferError) as proxied:
        type(proxy).__buffer__(proxy, writable)
    assert str(proxied.value) == str(bare.value)


@needs_buffers
@pytest.mark.parametrize('value', [1, 'text', [1, 2], None])
def test_a_target_without_a_buffer_raises_the_bare_error(value: Any) -> None:
    with pytest.raises(TypeError) as bare:
        memoryview(value)
    with pytest.raises(TypeError) as proxied:
        memoryview(Proxy(lambda: value))
    assert str(proxied.value) == str(bare.value)
    with pytest.raises(TypeError):
        hashlib.sha256(Proxy(lambda: value))


@needs_buffers
def test_release_lets_a_bytearray_target_resize() -> None:
    target = bytearray(b'abc')
    proxy = Proxy(lambda: target)
    with memoryview(proxy) as view:
        exporter = view.obj  # what CPython makes of a Python exporter
        with pytest.raises(BufferError):
            target.extend(b'd')
    target.extend(b'd')  # released, though `exporter` is still alive
    hashlib.sha256(proxy)
    struct.unpack_from('B', proxy)
    target.extend(b'e')
    assert target == b'abcde'
    del exporter


@needs_buffers
def test_release_leaks_nothing() -> None:
    target = array.array('i', [0, 1, 2])  # any exporter that has weak references
    ref = weakref.ref(target)
    proxy = Proxy(lambda target=target: target)
    for _ in range(3):
        with memoryview(proxy) as view:
            view.tobytes()
        hashlib.sha256(proxy)
    del target, proxy, view
    gc.collect()
    assert ref() is None


@needs_buffers
def test_a_python_exporter_sees_its_buffer_released() -> None:
    events = []

    class Exporter:
        def __init__(self) -> None:
            self.data = bytearray(b'xy')

        def __buffer__(self, flags: int) -> memoryview:
            events.append('export')
            return memoryview(self.data)

        def __release_buffer__(self, view: memoryview) -> None:
            events.append('release')
            view.release()

    exporter = Exporter()
    with memoryview(Proxy(lambda: exporter)) as view:
        assert view.tobytes() == b'xy'
        assert events == ['export']
    assert events == ['export', 'release']
    exporter.data.extend(b'z')


@needs_buffers
def test_a_proxy_of_a_proxy_exports_the_inner_target() -> None:
    inner = Proxy(lambda: b'abc')
    assert bytes(memoryview(Proxy(lambda: inner))) == b'abc'


@needs_buffers
def test_hasattr_buffer_follows_the_target() -> None:
    assert hasattr(Proxy(lambda: b'a'), '__buffer__')
    assert not hasattr(Proxy(lambda: 1), '__buffer__')
    assert hasattr(Proxy(bytearray), '__release_buffer__')
    assert not hasattr(Proxy(lambda: b'a'), '__release_buffer__')
    assert not hasattr(Proxy(lambda: 1), '__release_buffer__')
    # With a cached class, an unresolved proxy answers without resolving.
    cached = Proxy(lambda: 1, cache_defaults=True, target=1)
    del cached.__proxy_wrapped__
    assert not hasattr(cached, '__buffer__')
    assert not cached.__proxy_resolved__


@needs_buffers
def test_an_unresolved_proxy_resolves_to_export() -> None:
    calls = []

    def factory() -> bytes:
        calls.append(1)
        return b'abc'

    proxy = Proxy(factory)
    assert bytes(memoryview(proxy)) == b'abc'
    assert bytes(memoryview(proxy)) == b'abc'
    assert calls == [1]
    assert extract(proxy) == b'abc'


@pytest.mark.skipif(BUFFERS, reason='before 3.12 a Python class exports no buffer')
def test_before_3_12_a_proxy_exports_no_buffer() -> None:
    assert '__buffer__' not in vars(Proxy)
    with pytest.raises(TypeError):
        memoryview(Proxy(lambda: b'abc'))
    assert bytes(Proxy(lambda: b'abc')) == b'abc'
