"""The timing worker: times every operation for one implementation, here.

It runs inside the environment that has the implementation installed, with
the standard library only, and prints one JSON document:

    python benchmarks/timing_worker.py --impl ours

The driver (`driver.py`) starts it once per implementation and round.
"""

from __future__ import annotations

import argparse
import gc
import json
import pickle
import platform
import sys
import timeit
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from operations import ALL_OP_NAMES
from operations import ALL_OPS
from operations import BIG
from operations import IMPLS
from operations import MEMORY
from operations import OPS
from operations import PICKLE_SIZE
from operations import SUBCLASS_KINDS
from operations import TARGET
from operations import BigFactory
from operations import Target
from operations import factory
from operations import make_subclasses

# The machine runs slower than its best when its reference takes this much
# longer: shared machines change speed, by up to 1.7x, for seconds at a time,
# while the reference varies by up to 1.2x from process to process anyway.
SLOWER = 1.3


# --------------------------------------------------------------------------
# Implementations, as seen by the worker.


@dataclass(frozen=True, kw_only=True)
class Impl:
    """One implementation as the worker sees it: how to make its proxies."""

    new: str  # expression creating an unresolved proxy of `f`
    namespace: dict[str, Any]
    make: Callable[[Callable[[], Any]], Any] | None  # unresolved proxy of a factory
    make_cached: Callable[[Any], Any] | None  # resolved proxy, cached defaults
    is_resolved: Callable[[Any], bool] | None
    version: str
    subclasses: dict[str, type] | None = None  # by kind, for ours and proxystore


def _version(dist: str) -> str:
    from importlib.metadata import version

    return version(dist)


def load_impl(name: str) -> Impl:
    if name == 'bare':
        return Impl(
            new='f()',
            namespace={},
            make=None,
            make_cached=None,
            is_resolved=None,
            version=platform.python_version(),
        )
    if name in ('ours', 'proxystore'):
        from proxystore.proxy import Proxy
        from proxystore.proxy import is_resolved

        dist = 'proxystore-proxy' if name == 'ours' else 'proxystore'
        try:
            _version('proxystore-proxy')
            installed = 'ours'
        except Exception:
            installed = 'proxystore'
        if installed != name:
            raise SystemExit(f'{name} is not the proxystore installed here')
        return Impl(
            new='P(f)',
            namespace={'P': Proxy},
            make=Proxy,
            make_cached=lambda target: Proxy(
                factory, cache_defaults=True, target=target
            ),
            is_resolved=is_resolved,
            version=_version(dist),
            subclasses=make_subclasses(Proxy),
        )
    if name in ('lop.cext', 'lop.slots'):
        if name == 'lop.cext':
            from lazy_object_proxy.cext import Proxy as LazyProxy
        else:
            from lazy_object_proxy.slots import Proxy as LazyProxy

        return Impl(
            new='P(f)',
            namespace={'P': LazyProxy},
            make=LazyProxy,
            make_cached=None,
            is_resolved=None,
            version=_version('lazy-object-proxy'),
        )
    if name == 'wrapt':
        import wrapt

        # Without an interface, wrapt's proxy lacks __call__ and __iter__.
        def make(fn: Callable[[], Any]) -> Any:
            return wrapt.LazyObjectProxy(fn, interface=type(fn()))

        return Impl(
            new='P(f, interface=T)',
            namespace={'P': wrapt.LazyObjectProxy},
            make=make,
            make_cached=None,
            is_resolved=None,
            version=_version('wrapt'),
        )
    raise SystemExit(f'unknown implementation {name!r}')


def _calibrate(timer: timeit.Timer, repeat_time: float) -> int:
    """The loop count that makes one repeat take about `repeat_time`."""
    number = 10
    while True:
        elapsed = timer.timeit(number)
        if elapsed >= repeat_time / 4 or number >= 10**8:
            break
        number *= 4 if elapsed < repeat_time / 40 else 2
    return max(1, round(number * repeat_time / max(elapsed, 1e-9)))


@dataclass(frozen=True, kw_only=True)
class Prepared:
    """One implementation's operations, ready to run: what both measures share.

    `timers` has the operations this implementation can run, in table order,
    each run once already (so that whatever a first run does once, such as a
    lazy import, is done before anything is measured); `notes` says why the
    others are missing.
    """

    impl: Impl
    timers: dict[str, timeit.Timer]
    notes: dict[str, str]
    p: Any  # the resolved proxy, for the checks after measuring
    u: Any  # the unresolved proxy with cached defaults, if any
    b: Any  # the resolved proxy of BIG


def prepare(impl_name: str) -> Prepared:
    """Build the proxies and a timer per operation of one implementation."""
    impl = load_impl(impl_name)
    notes: dict[str, str] = {}
    timers: dict[str, timeit.Timer] = {}

    if impl.make is None:
        p: Any = TARGET
        b: Any = BIG
    else:
        p = impl.make(factory)
        p.value  # noqa: B018  resolve
        b = impl.make(BigFactory('big-object-key'))
        b['name']  # resolve
    u: Any = None
    if impl.make_cached is not None:
        u = pickle.loads(pickle.dumps(impl.make_cached(TARGET)))
    elif impl.make is None:
        u = TARGET  # the bare object answers as it always does
    # Resolved proxies made by each subclass (the bare object for `bare`).
    subclassed: dict[str, Any] = {}
    for kind in SUBCLASS_KINDS:
        if impl.subclasses is not None:
            subclassed[kind] = impl.subclasses[kind](factory)
            subclassed[kind].value  # noqa: B018  resolve
        elif impl.make is None:
            subclassed[kind] = TARGET

    for op in ALL_OPS:
        if op.cached and u is None:
            notes[op.name] = 'no cached defaults'
            continue
        if op.subclass and op.subclass not in subclassed:
            continue  # a peer: no such subclass, left n/a without a note
        namespace = {
            **impl.namespace,
            'p': subclassed[op.subclass] if op.subclass else p,
            'u': u,
            'b': b,
            'T': Target,
            'f': factory,
            'loads': pickle.loads,
            'dumps': pickle.dumps,
        }
        stmt = op.stmt.format(new=impl.new)
        try:
            # One run outside the measure: an operation the peer lacks is n/a.
            exec(f'{op.setup}\n{stmt}', dict(namespace))
        except Exception as exc:
            notes[op.name] = f'{type(exc).__name__}: {exc}'[:120]
            continue
        timers[op.name] = timeit.Timer(stmt, op.setup, globals=namespace)
    return Prepared(impl=impl, timers=timers, notes=notes, p=p, u=u, b=b)


def check_and_size(prepared: Prepared, measured: dict[str, Any]) -> dict[str, Any]:
    """Void what the measuring spoiled; the sizes. Shared by both measures.

    `measured` maps every operation name to its figure (None if not run) and
    is changed in place; `prepared.notes` gets the reasons. Returns the sizes.
    """
    impl, notes = prepared.impl, prepared.notes
    # The unresolved proxies must still be unresolved after being measured,
    # and the measured proxy must still be a proxy after `q += 1`.
    u = prepared.u
    if u is not None and impl.is_resolved is not None and impl.is_resolved(u):
        for op in OPS:
            if op.cached:
                measured[op.name] = None
                notes[op.name] = 'resolved the proxy'
    if impl.make is not None:
        q = prepared.p
        q += 1
        if q is not prepared.p:
            measured['iadd'] = None
            notes['iadd'] = f'q += 1 made q a {type(q).__name__}'

    sizes: dict[str, int | None] = {MEMORY: None, PICKLE_SIZE: None}
    if impl.make is not None:
        sizes[MEMORY] = _memory_per_proxy(impl.make)
    else:
        notes[MEMORY] = 'not a proxy'
    try:
        sizes[PICKLE_SIZE] = len(pickle.dumps(prepared.b))
    except Exception as exc:
        notes[PICKLE_SIZE] = f'{type(exc).__name__}: {exc}'[:120]
    return sizes


def run_worker(
    impl_name: str, *, repeat_time: float, repeat: int, number: int | None
) -> dict[str, Any]:
    """Time every operation on one implementation; the result as JSON data."""
    prepared = prepare(impl_name)
    times: dict[str, float | None] = dict.fromkeys(ALL_OP_NAMES)
    timers = {
        name: (timer, number or _calibrate(timer, repeat_time))
        for name, timer in prepared.timers.items()
    }

    # Repeats sweep over all operations, so that a burst of load on the
    # machine spoils one repeat of many operations rather than every repeat
    # of one: the best of the repeats is then a clean one. A reference (one
    # call of the factory, the same in every implementation) is timed between
    # sweeps: the machine's speed. A sweep counts only if the references on
    # both sides of it ran at the best speed this process saw.
    reference = timeit.Timer('f()', globals={'f': factory})
    reference_loops = number or _calibrate(reference, repeat_time / 4)

    def speed() -> float:
        return min(reference.repeat(3, reference_loops)) / reference_loops

    references = [speed()]
    sweeps: list[dict[str, float]] = []
    for _ in range(repeat):
        sweep = {name: timer.timeit(n) / n for name, (timer, n) in timers.items()}
        sweeps.append(sweep)
        references.append(speed())
    fastest = min(references)
    clean = [
        sweep
        for i, sweep in enumerate(sweeps)
        if max(references[i], references[i + 1]) <= SLOWER * fastest
    ]
    for name in timers:
        times[name] = min(sweep[name] for sweep in clean or sweeps)
    sizes = check_and_size(prepared, times)
    return {
        'impl': impl_name,
        'version': prepared.impl.version,
        'python': platform.python_version(),
        'times': times,
        'sizes': sizes,
        'notes': prepared.notes,
        'reference': fastest,
        'clean_sweeps': len(clean),
    }


def _memory_per_proxy(make: Callable[[Callable[[], Any]], Any], n: int = 2000) -> int:
    """Bytes that tracemalloc sees allocated per unresolved proxy."""
    fn = BigFactory('big-object-key')
    keep: list[Any] = [None] * n
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for i in range(n):
            keep[i] = make(fn)
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    del keep
    return round((after - before) / n)


def add_timing_options(parser: argparse.ArgumentParser) -> None:
    """The options that set the loop counts, shared with the driver."""
    parser.add_argument('--repeat', type=int, default=30, help='repeats per operation')
    parser.add_argument(
        '--repeat-time',
        type=float,
        default=0.002,
        help='seconds one repeat should take (sets the loop count)',
    )
    parser.add_argument('--number', type=int, help='fixed loop count per repeat')
    parser.add_argument(
        '--quick', action='store_true', help='tiny counts: checks, not numbers'
    )


def main(argv: list[str] | None = None) -> None:
    """Time one implementation and print the result as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--impl', choices=IMPLS, required=True)
    add_timing_options(parser)
    args = parser.parse_args(argv)
    if args.quick:
        args.repeat, args.number = 1, 20
    result = run_worker(
        args.impl, repeat_time=args.repeat_time, repeat=args.repeat, number=args.number
    )
    json.dump(result, sys.stdout)
    sys.stdout.write('\n')


if __name__ == '__main__':
    main()
