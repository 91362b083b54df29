"""A Dask cluster on loopback, for the tests that send proxies to its workers."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


@contextmanager
def local_client(workers: int) -> Iterator[Any]:
    """A client of a cluster of `workers` processes, one thread each.

    Workers are processes of their own, so that what they resolve is never
    counted as the driver's; the dashboard takes a free port, as another
    cluster on the machine may hold the default one.
    """
    import distributed

    with (
        distributed.LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            host='127.0.0.1',
            dashboard_address=':0',
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        yield client
