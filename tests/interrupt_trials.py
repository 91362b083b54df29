"""Interrupt the main thread at random moments while it resolves a proxy.

Run by tests/test_resolution.py in a process of its own: `python
interrupt_trials.py N` runs N trials of each kind and prints what it found.
A helper thread calls `_thread.interrupt_main()` after a random delay, so
that the KeyboardInterrupt lands anywhere in the resolution (or after it):

- as a leader: the main thread calls the factory while two threads wait;
- as a waiter: another thread calls the factory while the main thread and
  one more thread wait for it.

Whatever the interrupt hits, nothing may stay registered, no thread may stay
blocked, and the proxy must still resolve, to the factory's value.
"""

from __future__ import annotations

import _thread
import contextlib
import random
import sys
import threading
import time

from proxystore.proxy import Proxy
from proxystore.proxy import extract
from proxystore.proxy._resolution import _flights
from proxystore.proxy._resolution import _waiting


def resolve_until_interrupted(proxy: Proxy[int], helper: threading.Thread) -> None:
    extract(proxy)
    helper.join()  # the interrupt lands by now, at the latest


def trial(rng: random.Random, *, main_leads: bool) -> None:
    calls: list[int] = []
    size = rng.randint(0, 200)

    def factory() -> int:
        calls.append(1)
        if not main_leads:
            time.sleep(rng.random() * 0.0002)
        return sum(range(size))

    proxy = Proxy(factory)
    delay = rng.random() * 0.0003

    def interrupt() -> None:
        time.sleep(delay)
        _thread.interrupt_main()

    helper = threading.Thread(target=interrupt)
    others = [threading.Thread(target=extract, args=(proxy,)) for _ in range(2)]
    # Started before the interrupt can land. As a waiter, the main thread
    # comes last: one of the others usually leads.
    for other in others:
        other.start()
    if not main_leads:
        time.sleep(0.00005)
    with contextlib.suppress(KeyboardInterrupt):
        helper.start()
        resolve_until_interrupted(proxy, helper)
    while helper.ident is None:  # interrupted inside start()
        time.sleep(0.001)
    helper.join(timeout=5)
    for other in others:
        other.join(timeout=5)
        if other.is_alive():
            raise SystemExit('a thread was left blocked')
    if id(proxy) in _flights or _waiting:
        raise SystemExit(f'left behind: {_flights}, {_waiting}')
    if extract(proxy) != sum(range(size)) or not 1 <= len(calls) <= 3:
        raise SystemExit(f'resolved wrong: {len(calls)} calls')


def main() -> None:
    trials = int(sys.argv[1])
    rng = random.Random(42)
    for _ in range(trials):
        trial(rng, main_leads=True)
        trial(rng, main_leads=False)
    print(f'{trials} trials of each kind: nothing left behind')


if __name__ == '__main__':
    main()
