"""Time the proxy against the bare object and its peers, operation by operation.

The program has two modes.

`worker` times every operation for one implementation in this interpreter and
prints one JSON document:

    python benchmarks/bench.py worker --impl ours

`run` starts a worker process per implementation, each with the interpreter of
the virtual environment that has that implementation installed, alternating the
implementations over several rounds, and writes the medians as markdown, JSON
and a PNG chart (the chart needs matplotlib in the interpreter running `run`):

    python benchmarks/bench.py run --ours ENV/bin/python \
        --proxystore ENV2/bin/python --peers ENV3/bin/python \
        --out benchmarks/results/3.11

Our package and proxystore share the import name `proxystore`, so they can only
be compared from separate environments and processes. `nox -s bench` builds the
environments and runs `run` on every CPython it finds.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import pickle
import platform
import statistics
import subprocess
import sys
import time
import timeit
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

IMPLS = ('bare', 'ours', 'proxystore', 'lop.cext', 'lop.slots', 'wrapt')
PEERS = ('proxystore', 'lop.cext', 'lop.slots', 'wrapt')
# Which environment (`run` option) has each implementation installed.
ENV_OF = {
    'bare': 'ours',
    'ours': 'ours',
    'proxystore': 'proxystore',
    'lop.cext': 'peers',
    'lop.slots': 'peers',
    'wrapt': 'peers',
}
LABELS = {
    'bare': 'bare object',
    'ours': 'ours',
    'proxystore': 'proxystore 1.1.0',
    'lop.cext': 'lazy_object_proxy.cext',
    'lop.slots': 'lazy_object_proxy.slots',
    'wrapt': 'wrapt.LazyObjectProxy',
}

# --------------------------------------------------------------------------
# The targets. A small user-defined class whose special methods are written in
# Python (so the bare object pays one Python frame per operation, as most user
# objects do), and a few-KB object for pickling.


class Target:
    def __init__(self) -> None:
        self.value = 1

    def method(self) -> int:
        return self.value

    def __call__(self) -> int:
        return self.value

    def __len__(self) -> int:
        return 3

    def __getitem__(self, index: int) -> int:
        return index

    def __contains__(self, item: object) -> bool:
        return item == 1

    def __iter__(self) -> Any:
        return iter(())

    def __add__(self, other: int) -> int:
        return self.value + other

    def __radd__(self, other: int) -> int:
        return other + self.value

    def __iadd__(self, other: int) -> Target:
        return self

    def __eq__(self, other: object) -> bool:
        return self.value == other

    def __lt__(self, other: int) -> bool:
        return self.value < other

    def __hash__(self) -> int:
        return 1

    def __bool__(self) -> bool:
        return True

    def __str__(self) -> str:
        return 'target'


TARGET = Target()


def factory() -> Target:
    return TARGET


# A few KB when pickled: 400 floats and a name.
BIG = {'name': 'measurements', 'values': [i / 7 for i in range(400)]}


class BigFactory:
    """A small picklable factory, like a store key: pickles as its key."""

    __slots__ = ('key',)

    def __init__(self, key: str) -> None:
        self.key = key

    def __call__(self) -> dict[str, Any]:
        return BIG

    def __reduce__(self) -> tuple[Any, ...]:
        return BigFactory, (self.key,)


# --------------------------------------------------------------------------
# Subclasses of `Proxy`, as ProxyStore's reference proxies are, defined the same
# way on whichever `Proxy` the worker imported (ours or proxystore's):
#
# - `owned`: a slot of its own, an `__init__` that sets it before calling
#   `Proxy.__init__`, and a `__reduce__`, in the shape of ProxyStore's
#   `OwnedProxy`, but with `__proxy_wrapped__` left as `Proxy` defines it.
# - `checked`: `owned` plus a `__proxy_wrapped__` property that checks the
#   slot on every use, as ProxyStore's `BaseRefProxy` does (so ProxyStore's
#   `OwnedProxy` and `RefProxy`, built on it, really have this shape).

SUBCLASS_KINDS = ('owned', 'checked')
_SUBCLASSES: dict[type, dict[str, type]] = {}


def make_subclasses(base: type) -> dict[str, type]:
    """The subclasses of `base` (a `Proxy` class), by kind; made once per base."""
    if base in _SUBCLASSES:
        return _SUBCLASSES[base]

    class OwnedSubclass(base):  # type: ignore[misc,valid-type]
        __slots__ = ('__proxy_valid__',)
        KIND = 'owned'

        def __init__(
            self,
            factory: Callable[[], Any],
            *,
            cache_defaults: bool = False,
            target: Any = None,
        ) -> None:
            object.__setattr__(self, '__proxy_valid__', True)
            super().__init__(factory, cache_defaults=cache_defaults, target=target)

        def __reduce__(self) -> tuple[Any, ...]:
            factory = object.__getattribute__(self, '__proxy_factory__')
            return _rebuild_subclass, (type(self).KIND, factory)

    class CheckedSubclass(OwnedSubclass):
        __slots__ = ()
        KIND = 'checked'

        @property
        def __proxy_wrapped__(self) -> Any:
            if not object.__getattribute__(self, '__proxy_valid__'):
                raise ReferenceError('this reference is no longer valid')
            return super().__proxy_wrapped__

        @__proxy_wrapped__.setter
        def __proxy_wrapped__(self, target: Any) -> None:
            object.__setattr__(self, '__proxy_target__', target)

        @__proxy_wrapped__.deleter
        def __proxy_wrapped__(self) -> None:
            object.__delattr__(self, '__proxy_target__')

    _SUBCLASSES[base] = {'owned': OwnedSubclass, 'checked': CheckedSubclass}
    return _SUBCLASSES[base]


def _rebuild_subclass(kind: str, factory: Callable[[], Any]) -> Any:
    from proxystore.proxy import Proxy

    return make_subclasses(Proxy)[kind](factory)


# --------------------------------------------------------------------------
# The operations. Each is a statement timed in a loop by `timeit` over objects
# built beforehand: `p` is a resolved proxy of TARGET (the bare object itself
# for `bare`), `u` an unresolved proxy with cached defaults (a pickled and
# loaded copy of one made with `cache_defaults=True`), `b` a resolved proxy of
# BIG, `T` the Target class and `f` the factory. `{new}` stands for the
# expression that creates an unresolved proxy (`f()` for the bare object). In
# the operations on a subclass, `p` is a resolved proxy of TARGET made by that
# subclass (still the bare object for `bare`; there is none for the peers).


@dataclass(frozen=True)
class Op:
    name: str
    stmt: str
    setup: str = 'pass'
    needs: str = ''  # 'cached' (cached defaults), 'pickle'
    subclass: str = ''  # one of SUBCLASS_KINDS: `p` is made by that subclass


OPS = (
    Op('create', '{new}'),
    Op('create + first use', '{new}.value'),
    Op('getattr', 'p.value'),
    Op('setattr', 'p.value = 1'),
    Op('method call', 'p.method()'),
    Op('call', 'p()'),
    Op('len', 'len(p)'),
    Op('getitem', 'p[0]'),
    Op('contains', '1 in p'),
    Op('iter', 'iter(p)'),
    Op('add', 'p + 1'),
    Op('radd', '1 + p'),
    Op('iadd', 'q += 1', setup='q = p'),
    Op('eq', 'p == 1'),
    Op('lt', 'p < 1'),
    Op('hash', 'hash(p)'),
    Op('hash (unresolved, cached defaults)', 'hash(u)', needs='cached'),
    Op('bool', 'bool(p)'),
    Op('str', 'str(p)'),
    Op('isinstance', 'isinstance(p, T)'),
    Op('isinstance (unresolved, cached defaults)', 'isinstance(u, T)', needs='cached'),
    Op('pickle dumps+loads', 'loads(dumps(b))', needs='pickle'),
)
OP_NAMES = tuple(op.name for op in OPS)
# The share of proxystore's overhead that ours may take, where it is not one
# half: a first use resolves thread-safely (single flight, cycle detection),
# which proxystore does not do.
OVERHEAD_SHARE = {'create + first use': 0.60}
# Kept apart from OPS: the peers have no counterpart, so these are compared
# with proxystore only, and neither the targets on OPS nor the geometric mean
# include them.
SUBCLASS_OPS = tuple(
    Op(f'{kind}: {name}', stmt, subclass=kind)
    for kind in SUBCLASS_KINDS
    for name, stmt in (
        ('getattr', 'p.value'),
        ('method call', 'p.method()'),
        ('add', 'p + 1'),
        ('len', 'len(p)'),
    )
)
SUBCLASS_OP_NAMES = tuple(op.name for op in SUBCLASS_OPS)
ALL_OPS = OPS + SUBCLASS_OPS
ALL_OP_NAMES = OP_NAMES + SUBCLASS_OP_NAMES
MEMORY = 'memory per unresolved proxy (bytes)'
PICKLE_SIZE = 'pickled size (bytes)'
SIZES = (MEMORY, PICKLE_SIZE)
# The machine runs slower than its best when its reference takes this much
# longer: shared machines change speed, by up to 1.7x, for seconds at a time,
# while the reference varies by up to 1.2x from process to process anyway.
SLOWER = 1.3


# --------------------------------------------------------------------------
# Implementations, as seen by the worker.


@dataclass
class Impl:
    name: str
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
        return Impl(name, 'f()', {}, None, None, None, platform.python_version())
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
            name,
            'P(f)',
            {'P': Proxy},
            Proxy,
            lambda target: Proxy(factory, cache_defaults=True, target=target),
            is_resolved,
            _version(dist),
            make_subclasses(Proxy),
        )
    if name in ('lop.cext', 'lop.slots'):
        if name == 'lop.cext':
            from lazy_object_proxy.cext import Proxy as LazyProxy
        else:
            from lazy_object_proxy.slots import Proxy as LazyProxy

        return Impl(
            name,
            'P(f)',
            {'P': LazyProxy},
            LazyProxy,
            None,
            None,
            _version('lazy-object-proxy'),
        )
    if name == 'wrapt':
        import wrapt

        # Without an interface, wrapt's proxy lacks __call__ and __iter__.
        def make(fn: Callable[[], Any]) -> Any:
            return wrapt.LazyObjectProxy(fn, interface=type(fn()))

        return Impl(
            name,
            'P(f, interface=T)',
            {'P': wrapt.LazyObjectProxy},
            make,
            None,
            None,
            _version('wrapt'),
        )
    raise SystemExit(f'unknown implementation {name!r}')


# --------------------------------------------------------------------------
# The worker.


def _calibrate(timer: timeit.Timer, repeat_time: float) -> int:
    """The loop count that makes one repeat take about `repeat_time`."""
    number = 10
    while True:
        elapsed = timer.timeit(number)
        if elapsed >= repeat_time / 4 or number >= 10**8:
            break
        number *= 4 if elapsed < repeat_time / 40 else 2
    return max(1, round(number * repeat_time / max(elapsed, 1e-9)))


def run_worker(
    impl_name: str, repeat_time: float, repeat: int, number: int | None
) -> dict[str, Any]:
    impl = load_impl(impl_name)
    times: dict[str, float | None] = dict.fromkeys(ALL_OP_NAMES)
    notes: dict[str, str] = {}
    timers: dict[str, tuple[timeit.Timer, int]] = {}

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
        if op.needs == 'cached' and u is None:
            times[op.name] = None
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
            # One run outside the clock: an operation the peer lacks is n/a.
            exec(f'{op.setup}\n{stmt}', dict(namespace))
        except Exception as exc:
            times[op.name] = None
            notes[op.name] = f'{type(exc).__name__}: {exc}'[:120]
            continue
        timer = timeit.Timer(stmt, op.setup, globals=namespace)
        timers[op.name] = (timer, number or _calibrate(timer, repeat_time))

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

    # The unresolved proxies must still be unresolved after being timed, and
    # the timed proxy must still be a proxy after `q += 1`.
    if u is not None and impl.is_resolved is not None and impl.is_resolved(u):
        for op in OPS:
            if op.needs == 'cached':
                times[op.name] = None
                notes[op.name] = 'resolved the proxy'
    if impl.make is not None:
        q = p
        q += 1
        if q is not p:
            times['iadd'] = None
            notes['iadd'] = f'q += 1 made q a {type(q).__name__}'

    sizes: dict[str, int | None] = {MEMORY: None, PICKLE_SIZE: None}
    if impl.make is not None:
        sizes[MEMORY] = _memory_per_proxy(impl.make)
    else:
        notes[MEMORY] = 'not a proxy'
    try:
        sizes[PICKLE_SIZE] = len(pickle.dumps(b))
    except Exception as exc:
        notes[PICKLE_SIZE] = f'{type(exc).__name__}: {exc}'[:120]

    return {
        'impl': impl_name,
        'version': impl.version,
        'python': platform.python_version(),
        'times': times,
        'sizes': sizes,
        'notes': notes,
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


# --------------------------------------------------------------------------
# The driver.


def _worker_command(python: str, impl: str, args: argparse.Namespace) -> list[str]:
    command = [python, '-X', 'utf8', str(Path(__file__).resolve()), 'worker']
    command += ['--impl', impl, '--repeat', str(args.repeat)]
    command += ['--repeat-time', str(args.repeat_time)]
    if args.number is not None:
        command += ['--number', str(args.number)]
    return command


def run_driver(args: argparse.Namespace) -> dict[str, Any]:
    pythons = {'ours': args.ours, 'proxystore': args.proxystore, 'peers': args.peers}
    impls = [
        impl
        for impl in (args.impls.split(',') if args.impls else IMPLS)
        if pythons[ENV_OF[impl]]
    ]
    if 'ours' not in impls:
        raise SystemExit('`ours` must be among the implementations')
    env = {**os.environ, 'PYTHONHASHSEED': '0'}
    env.pop('PYTHONPATH', None)
    rounds: dict[str, list[dict[str, Any]]] = {impl: [] for impl in impls}
    started = time.perf_counter()

    def work(impl: str, label: str) -> dict[str, Any]:
        command = _worker_command(pythons[ENV_OF[impl]], impl, args)
        done = subprocess.run(
            command, capture_output=True, text=True, env=env, check=False
        )
        if done.returncode:
            sys.stderr.write(done.stderr)
            raise SystemExit(f'worker {impl} failed: {" ".join(command)}')
        print(
            f'{label} {impl:<10} {time.perf_counter() - started:6.1f}s',
            file=sys.stderr,
            flush=True,
        )
        result: dict[str, Any] = json.loads(done.stdout)
        return result

    for round_ in range(args.rounds):
        # A B C ... then B C ... A: every implementation takes every slot.
        shift = round_ % len(impls)
        for impl in impls[shift:] + impls[:shift]:
            rounds[impl].append(work(impl, f'round {round_ + 1}/{args.rounds}'))

    # A process that ran while the machine was slower than the best speed any
    # process saw is run again, up to `--reruns` times, keeping the faster run.
    reruns = 0
    for _ in range(args.reruns):
        for impl, i in _slow_runs(rounds):
            again = work(impl, f'rerun {i + 1}/{args.rounds}')
            reruns += 1
            if again['reference'] < rounds[impl][i]['reference']:
                rounds[impl][i] = again
    return summarise(rounds, args, reruns)


def _slow_runs(rounds: dict[str, list[dict[str, Any]]]) -> list[tuple[str, int]]:
    """The runs (implementation, round) that the machine ran slow.

    Those whose best reference is slower than `SLOWER` times the best of all
    runs, and those with no sweep at their own best speed.
    """
    fastest = min(run['reference'] for runs in rounds.values() for run in runs)
    return [
        (impl, i)
        for impl, runs in rounds.items()
        for i, run in enumerate(runs)
        if run['reference'] > SLOWER * fastest or not run['clean_sweeps']
    ]


def _median(values: list[Any]) -> Any:
    present = [v for v in values if v is not None]
    if not present or len(present) < len(values):
        return None
    return statistics.median(present)


def summarise(
    rounds: dict[str, list[dict[str, Any]]], args: Any, reruns: int = 0
) -> dict[str, Any]:
    first = {impl: runs[0] for impl, runs in rounds.items()}
    times = {
        impl: {
            op: _median([run['times'].get(op) for run in runs]) for op in ALL_OP_NAMES
        }
        for impl, runs in rounds.items()
    }
    sizes = {
        impl: {name: _median([run['sizes'][name] for run in runs]) for name in SIZES}
        for impl, runs in rounds.items()
    }
    notes = {impl: run['notes'] for impl, run in first.items()}
    return {
        'python': first['ours']['python'],
        'implementation': platform.python_implementation(),
        'machine': machine(),
        'versions': {impl: run['version'] for impl, run in first.items()},
        'settings': {
            'rounds': args.rounds,
            'repeat': args.repeat,
            'repeat_time': args.repeat_time,
            'number': args.number,
            'reruns': reruns,
            'slow': len(_slow_runs(rounds)),
        },
        'impls': list(rounds),
        'times_s': times,
        'sizes': sizes,
        'notes': notes,
        'rounds': rounds,
    }


def machine() -> dict[str, Any]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path('/proc/cpuinfo').read_text().splitlines():
            if line.startswith('model name'):
                cpu = line.split(':', 1)[1].strip()
                break
    except OSError:
        pass
    return {'cpu': cpu, 'cores': os.cpu_count(), 'system': platform.system()}


# --------------------------------------------------------------------------
# Reporting.


def _ns(seconds: float | None) -> str:
    if seconds is None:
        return 'n/a'
    ns = seconds * 1e9
    return f'{ns:,.0f}' if abs(ns) >= 100 else f'{ns:.1f}'


def _ratio(a: float | None, b: float | None) -> str:
    if a is None or b is None or b <= 0:
        return 'n/a'
    return f'{a / b:.2f}x'


def _value(summary: dict[str, Any], impl: str, name: str) -> float | None:
    if name in SIZES:
        return summary['sizes'][impl][name]
    # Results written before the subclass operations existed lack them.
    return summary['times_s'][impl].get(name)


def _vs_proxystore(
    summary: dict[str, Any], name: str
) -> tuple[float, float, float] | None:
    """The times of ours, proxystore and bare on `name`, if all were measured."""
    if not {'bare', 'ours', 'proxystore'} <= set(summary['impls']):
        return None
    ours = _value(summary, 'ours', name)
    ps = _value(summary, 'proxystore', name)
    bare = _value(summary, 'bare', name)
    if ours is None or ps is None or bare is None:
        return None
    return ours, ps, bare


def markdown_table(summary: dict[str, Any]) -> str:
    impls = summary['impls']
    peers = [impl for impl in PEERS if impl in impls]
    head = ['operation', *impls]
    head += [f'ours/{impl}' for impl in ('bare', *peers) if impl in impls]
    lines = ['| ' + ' | '.join(head) + ' |', '|' + '---|' * len(head)]
    for name in (*OP_NAMES, *SIZES):
        row = [name]
        for impl in impls:
            value = _value(summary, impl, name)
            if name in SIZES:
                row.append('n/a' if value is None else f'{value:,.0f}')
            else:
                row.append(_ns(value))
        ours = _value(summary, 'ours', name)
        for impl in ('bare', *peers):
            if impl in impls:
                row.append(_ratio(ours, _value(summary, impl, name)))
        lines.append('| ' + ' | '.join(row) + ' |')
    return '\n'.join(lines)


def has_subclass_times(summary: dict[str, Any]) -> bool:
    return any(_value(summary, 'ours', name) for name in SUBCLASS_OP_NAMES)


def subclass_table(summary: dict[str, Any]) -> str:
    """The operations on subclasses: ours against bare and proxystore only."""
    impls = [
        impl for impl in ('bare', 'ours', 'proxystore') if impl in summary['impls']
    ]
    head = ['operation', *impls]
    head += [f'ours/{impl}' for impl in impls if impl != 'ours']
    compare = 'proxystore' in impls and 'bare' in impls
    if compare:
        head += ['ours over bare', 'proxystore over bare', 'overhead ours/proxystore']
    lines = ['| ' + ' | '.join(head) + ' |', '|' + '---|' * len(head)]
    for name in SUBCLASS_OP_NAMES:
        ours = _value(summary, 'ours', name)
        row = [name, *(_ns(_value(summary, impl, name)) for impl in impls)]
        row += [
            _ratio(ours, _value(summary, impl, name))
            for impl in impls
            if impl != 'ours'
        ]
        if compare:
            measured = _vs_proxystore(summary, name)
            if measured is None:
                row += ['n/a'] * 3
            else:
                ours, ps, bare = measured
                row += [
                    _ns(ours - bare),
                    _ns(ps - bare),
                    _ratio(ours - bare, ps - bare),
                ]
        lines.append('| ' + ' | '.join(row) + ' |')
    return '\n'.join(lines)


def geomean_vs(summary: dict[str, Any], peer: str) -> tuple[float, int] | None:
    ratios = []
    for name in OP_NAMES:
        ours = _value(summary, 'ours', name)
        other = _value(summary, peer, name)
        if ours and other:
            ratios.append(ours / other)
    if not ratios:
        return None
    return math.exp(sum(map(math.log, ratios)) / len(ratios)), len(ratios)


def check_targets(summary: dict[str, Any]) -> list[tuple[str, bool | None, str]]:
    """Each target: (statement, holds or None if it cannot be checked, detail)."""
    impls = summary['impls']
    results: list[tuple[str, bool | None, str]] = []

    def value(impl: str, name: str) -> float | None:
        return _value(summary, impl, name) if impl in impls else None

    def half_of_proxystore(statement: str, names: tuple[str, ...]) -> None:
        fails, checked = [], 0
        for name in names:
            share = OVERHEAD_SHARE.get(name, 0.5)
            measured = _vs_proxystore(summary, name)
            if measured is None:
                continue
            checked += 1
            ours, ps, bare = measured
            ours_over, ps_over = ours - bare, ps - bare
            if ps_over <= 0:
                # proxystore beats the bare object here (pickling: a proxy
                # carries its factory, not the object), so there is no
                # overhead to halve: ours must then be no slower than it.
                if ours > ps:
                    fails.append(
                        f'{name}: {ours * 1e9:,.0f} ns vs proxystore '
                        f'{ps * 1e9:,.0f} ns (both faster than bare)'
                    )
            elif ours_over > ps_over * share:
                fails.append(
                    f'{name}: {ours_over * 1e9:,.0f} ns over bare vs limit '
                    f'{ps_over * share * 1e9:,.0f} ns '
                    f'(proxystore {ps_over * 1e9:,.0f} ns)'
                )
        results.append(
            (
                statement,
                None if not checked else not fails,
                f'{checked - len(fails)}/{checked} operations hold'
                + (': fails on ' + '; '.join(fails) if fails else ''),
            )
        )

    # 1. Overhead at most half of proxystore's, on every timed operation but
    # those on subclasses, and on every operation on a subclass against
    # proxystore's same subclass.
    half_of_proxystore(
        'overhead (time minus bare) at most half of proxystore 1.1.0'
        ' on every operation (0.60 of it on create + first use)',
        OP_NAMES,
    )
    half_of_proxystore(
        "subclass overhead (time minus bare) at most half of proxystore 1.1.0's"
        ' same subclass on every subclass operation',
        SUBCLASS_OP_NAMES,
    )

    # 2. getattr and method call at most 1.0x lazy_object_proxy.cext.
    for name in ('getattr', 'method call'):
        ours, lop = value('ours', name), value('lop.cext', name)
        holds = None if ours is None or lop is None else ours <= lop
        results.append(
            (
                f'{name} at most 1.0x lazy_object_proxy.cext',
                holds,
                _ratio(ours, lop),
            )
        )

    # 3. Geometric mean of ours/lop.cext.
    gm = geomean_vs(summary, 'lop.cext') if 'lop.cext' in impls else None
    for limit, label in ((2.0, 'target'), (1.5, 'stretch')):
        results.append(
            (
                f'geometric mean of ours/lazy_object_proxy.cext'
                f' at most {limit} ({label})',
                None if gm is None else gm[0] <= limit,
                'n/a' if gm is None else f'{gm[0]:.2f}x over {gm[1]} operations',
            )
        )

    # 4. Sizes no larger than proxystore's.
    for name, label in (
        (MEMORY, 'memory per unresolved proxy'),
        (PICKLE_SIZE, 'pickled size'),
    ):
        ours, ps = value('ours', name), value('proxystore', name)
        results.append(
            (
                f'{label} no larger than proxystore 1.1.0',
                None if ours is None or ps is None else ours <= ps,
                'n/a'
                if ours is None or ps is None
                else f'{ours:,.0f} vs {ps:,.0f} bytes',
            )
        )
    return results


def targets_markdown(summary: dict[str, Any]) -> str:
    mark = {True: 'holds', False: '**FAILS**', None: 'not checked'}
    lines = ['| target | result | detail |', '|---|---|---|']
    for statement, holds, detail in check_targets(summary):
        lines.append(f'| {statement} | {mark[holds]} | {detail} |')
    return '\n'.join(lines)


def _reruns_sentence(settings: dict[str, Any]) -> str:
    reruns, slow = settings.get('reruns'), settings.get('slow')
    if reruns is None or slow is None:
        return ''
    return (
        f'Processes during which the machine ran over {SLOWER - 1:.0%} slower '
        f'than its fastest were run again ({reruns} reruns); {slow or "none"} '
        'of the processes kept ran slow. '
    )


def report_markdown(summary: dict[str, Any], chart: str | None) -> str:
    versions = ', '.join(
        f'{impl} {summary["versions"][impl]}'
        for impl in summary['impls']
        if impl != 'bare'
    )
    settings = summary['settings']
    machine_ = summary['machine']
    grouped: dict[tuple[str, str], list[str]] = {}
    for impl, impl_notes in summary['notes'].items():
        for name, note in impl_notes.items():
            if impl != 'bare':
                grouped.setdefault((name, note), []).append(impl)
    notes = [
        f'- {name}, {", ".join(impls)}: {note}'
        for (name, note), impls in grouped.items()
    ]
    parts = [
        f'## CPython {summary["python"]}',
        '',
        f'Machine: {machine_["cpu"]}, {machine_["cores"]} cores. '
        f'Versions: {versions}. '
        f'Median over {settings["rounds"]} alternated processes of the best of '
        f'{settings["repeat"]} repeats (~{settings["repeat_time"] * 1e3:g} ms each, '
        'each repeat a sweep over all operations, counted only if the machine '
        'ran at its best speed around it). '
        f'{_reruns_sentence(settings)}'
        'Times in ns per operation; ratios below 1.00x mean ours is faster. '
        'Ours resolves thread-safely (the factory runs once however many '
        'threads race): the rows from getattr down time resolved proxies and '
        'so include whatever that safety costs once resolved; '
        'create + first use includes the resolution itself.',
        '',
        markdown_table(summary),
    ]
    if has_subclass_times(summary):
        parts += [
            '',
            '### Proxy subclasses',
            '',
            'Resolved proxies made by two subclasses, defined the same way on '
            "ours and on proxystore's `Proxy`: *owned* adds a slot, an "
            '`__init__` that sets it and a `__reduce__`, in the shape of '
            "ProxyStore's `OwnedProxy` but with `Proxy`'s own "
            '`__proxy_wrapped__`; *checked* adds to those a '
            '`__proxy_wrapped__` property that checks the slot on every use, '
            "as ProxyStore's `BaseRefProxy` does (so ProxyStore's own "
            '`OwnedProxy` and `RefProxy` have this shape). The peers have no '
            "counterpart. Overhead is the time minus the bare object's. These "
            'rows have a target of their own, against the same subclass of '
            "proxystore's `Proxy`; the other targets and the geometric mean "
            'leave them out.',
            '',
            subclass_table(summary),
        ]
    parts += [
        '',
        '### Targets',
        '',
        targets_markdown(summary),
    ]
    if notes:
        parts += ['', 'n/a entries:', '', *notes]
    if chart:
        parts += ['', f'![ratios]({chart})']
    return '\n'.join(parts) + '\n'


def chart_png(summary: dict[str, Any], path: Path) -> bool:
    try:
        import matplotlib
    except ImportError:
        print('matplotlib is not installed: no chart', file=sys.stderr)
        return False
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    impls = summary['impls']
    others = [impl for impl in ('bare', *PEERS) if impl in impls]
    subclass_names = SUBCLASS_OP_NAMES if has_subclass_times(summary) else ()
    names = [*OP_NAMES, *subclass_names, *SIZES]
    fig, ax = plt.subplots(figsize=(9, 0.36 * len(names) + 1.6))
    height = 0.8 / max(1, len(others))
    for i, other in enumerate(others):
        ys, xs = [], []
        for j, name in enumerate(names):
            ours, theirs = _value(summary, 'ours', name), _value(summary, other, name)
            if ours and theirs:
                ys.append(j + (i - (len(others) - 1) / 2) * height)
                xs.append(ours / theirs)
        ax.barh(ys, xs, height=height, label=f'ours / {LABELS[other]}')
    ax.axvline(1.0, color='black', linewidth=0.8)
    ax.set_xscale('log')
    ax.set_yticks(range(len(names)))
    ax.set_yticklabels(names, fontsize=8)
    ax.set_ylim(len(names) - 0.5, -0.5)
    ax.set_xlabel('ratio (log scale; below 1 means ours is faster / smaller)')
    ax.set_title(
        f'proxystore-proxy vs bare object and peers, CPython {summary["python"]}'
    )
    ax.legend(fontsize=8, loc='lower right')
    ax.grid(axis='x', which='both', alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def write_outputs(summary: dict[str, Any], out: Path) -> None:
    """Write `<out>.json`, `<out>.png` and `<out>.md`, and print the markdown."""
    out.parent.mkdir(parents=True, exist_ok=True)
    png = out.parent / f'{out.name}.png'
    chart = png.name if chart_png(summary, png) else None
    (out.parent / f'{out.name}.json').write_text(json.dumps(summary, indent=1) + '\n')
    text = report_markdown(summary, chart)
    (out.parent / f'{out.name}.md').write_text(text)
    print(text)


# --------------------------------------------------------------------------
# Command line.


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest='mode', required=True)

    def timing_options(p: argparse.ArgumentParser) -> None:
        p.add_argument('--repeat', type=int, default=30, help='repeats per operation')
        p.add_argument(
            '--repeat-time',
            type=float,
            default=0.002,
            help='seconds one repeat should take (sets the loop count)',
        )
        p.add_argument('--number', type=int, help='fixed loop count per repeat')
        p.add_argument(
            '--quick', action='store_true', help='tiny counts: checks, not numbers'
        )

    worker = sub.add_parser('worker', help='time one implementation here')
    worker.add_argument('--impl', choices=IMPLS, required=True)
    timing_options(worker)

    run = sub.add_parser('run', help='alternate worker processes and report')
    run.add_argument('--ours', required=True, help='python with ours installed')
    run.add_argument('--proxystore', help='python with proxystore==1.1.0')
    run.add_argument('--peers', help='python with lazy-object-proxy and wrapt')
    run.add_argument('--impls', help=f'comma-separated subset of {",".join(IMPLS)}')
    run.add_argument('--rounds', type=int, default=7, help='alternated rounds')
    run.add_argument(
        '--reruns',
        type=int,
        default=3,
        help='passes that rerun the processes the machine ran slow during',
    )
    run.add_argument('--out', required=True, help='output path stem, e.g. results/3.11')
    timing_options(run)

    report = sub.add_parser('report', help='rewrite the outputs from a JSON result')
    report.add_argument('json', help='a JSON file written by `run`')
    report.add_argument('--out', required=True, help='output path stem')

    args = parser.parse_args(argv)
    if args.mode == 'report':
        write_outputs(json.loads(Path(args.json).read_text()), Path(args.out))
        return
    if args.quick:
        args.repeat, args.number = 1, 20
        if args.mode == 'run':
            args.rounds, args.reruns = min(args.rounds, 2), 0
    if args.mode == 'worker':
        result = run_worker(args.impl, args.repeat_time, args.repeat, args.number)
        json.dump(result, sys.stdout)
        sys.stdout.write('\n')
    else:
        write_outputs(run_driver(args), Path(args.out))


if __name__ == '__main__':
    main()
