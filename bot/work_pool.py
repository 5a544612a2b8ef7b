"""The bot's thread pools: ones that can be waited on until idle, and drained in order when the bot stops."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any


class DrainablePool(ThreadPoolExecutor):
    """A thread pool that can be waited on until it is idle, for at most a timeout (shutdown(wait=True) has none).

    Bolt's listeners run in one: a listener acks first and hands its work to the runtime's pool after, so a stop
    must wait for the listeners before it waits for the runtime's work."""

    def __init__(self, max_workers: int, thread_name_prefix: str) -> None:
        super().__init__(max_workers=max_workers, thread_name_prefix=thread_name_prefix)
        self._busy = 0
        self._idle = threading.Condition()

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        with self._idle:
            self._busy += 1

        def run() -> Any:
            try:
                return fn(*args, **kwargs)
            finally:
                with self._idle:
                    self._busy -= 1
                    self._idle.notify_all()

        try:
            return super().submit(run)
        except BaseException:
            with self._idle:
                self._busy -= 1
            raise

    @property
    def busy(self) -> int:
        """Jobs queued or running."""
        with self._idle:
            return self._busy

    def wait_idle(self, timeout: float) -> bool:
        with self._idle:
            return self._idle.wait_for(lambda: self._busy == 0, timeout=timeout)


def drain(pools: Sequence[DrainablePool], timeout: float) -> bool:
    """Let each pool in turn finish what it was given, all within one timeout, then shut them down. True when all
    of it finished; otherwise the jobs not started are dropped (and False)."""
    deadline = time.monotonic() + timeout
    drained = True
    for pool in pools:
        drained = pool.wait_idle(max(0.0, deadline - time.monotonic())) and drained
    for pool in pools:
        pool.shutdown(wait=drained, cancel_futures=not drained)
    return drained
