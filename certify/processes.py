"""Worker processes that leave Ctrl-C to their parent.

A terminal's Ctrl-C sends SIGINT to the whole process group: to the command and to every
worker process it started. A worker interrupted inside a pool's own queues can leave the
pool waiting on it for ever (seen: `certify pareto --jobs 2` interrupted, the parent and
both workers asleep on futexes). So workers ignore SIGINT, inherited when they are forked
while it is ignored and set again by their initializer, and only the parent reacts: it
cancels what has not started and waits for what is running (certify's tasks are short).
Imports nothing of certify, so that the checker's command may use it too.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from typing import Any


def ignore_interrupts() -> None:
    """SIGINT ignored in this process (a worker's initializer)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@contextlib.contextmanager
def interrupts_ignored() -> Iterator[None]:
    """SIGINT ignored while worker processes start, so that they are born ignoring it; in a
    thread other than the main one (where signals cannot be set) nothing changes."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


@contextlib.contextmanager
def worker_pool(workers: int, submit: Callable[[ProcessPoolExecutor], Any]) -> Iterator[Any]:
    """A process pool whose workers ignore SIGINT; ``submit(pool)`` queues the work (its
    result is yielded). On any exception in the body, Ctrl-C included, the work not yet
    started is cancelled before the pool is shut down."""
    with interrupts_ignored():
        pool = ProcessPoolExecutor(max_workers=workers, initializer=ignore_interrupts)
        queued = submit(pool)
    try:
        yield queued
    except BaseException:
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown(wait=True)


__all__ = ["ignore_interrupts", "interrupts_ignored", "worker_pool"]
