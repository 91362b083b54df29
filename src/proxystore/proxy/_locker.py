"""The proxy locker: a box that keeps a proxy from being resolved."""

from __future__ import annotations

from typing import TYPE_CHECKING
from typing import Any
from typing import Generic
from typing import TypeVar

if TYPE_CHECKING:
    from proxystore.proxy import Proxy

T = TypeVar('T')


class ProxyLocker(Generic[T]):
    """A box that keeps a proxy from being resolved by accident.

    Code that inspects the objects it is given (serializers, frameworks that
    walk arguments) can resolve a proxy without meaning to. A locker is an
    ordinary object that hides the proxy: none of its attributes reaches the
    proxy, and only `unlock()` hands it back, still unresolved. Other
    attributes may be set on a locker as on any object. A locker pickles,
    carrying its proxy's factory.

    ```python
    from proxystore.proxy import Proxy, ProxyLocker, is_resolved

    locker = ProxyLocker(Proxy(lambda: 'value'))
    proxy = locker.unlock()
    assert not is_resolved(proxy)
    ```

    Args:
        proxy: The proxy to lock.
    """

    __slots__ = ('__dict__', '__weakref__', '_proxy')

    def __init__(self, proxy: Proxy[T]) -> None:
        self._proxy = proxy

    def __getattribute__(self, name: str) -> Any:
        if name == '_proxy':
            raise AttributeError('Cannot access the proxy of a ProxyLocker.')
        return super().__getattribute__(name)

    def __reduce__(self) -> tuple[Any, ...]:
        return type(self), (self.unlock(),)

    def __repr__(self) -> str:
        return f'<{type(self).__name__} at 0x{id(self):x}>'

    def unlock(self) -> Proxy[T]:
        """Return the locked proxy.

        Returns:
            The proxy given to the locker, untouched.
        """
        return _get_proxy(self)  # type: ignore[no-any-return]


ProxyLocker.__module__ = 'proxystore.proxy'
_get_proxy = ProxyLocker.__dict__['_proxy'].__get__
