"""Fire-and-forget work that is neither forgotten nor silent.

asyncio keeps only weak references to tasks, so a bare create_task() can vanish mid-flight,
and its exception surfaces only at garbage collection. Tasks started here are held until done,
their failures are logged, and `close()` cancels whatever is left at shutdown.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

log = logging.getLogger(__name__)


class BackgroundTasks:
    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()
        self._loops: set[asyncio.Task[Any]] = set()  # run until shutdown; never waited for
        self._closed = False

    def __len__(self) -> int:
        return len(self._tasks)

    def spawn(
        self, coroutine: Coroutine[Any, Any, Any], *, name: str, forever: bool = False
    ) -> asyncio.Task[Any] | None:
        """Start a task. `forever` marks a maintenance loop: cancelled at once on close."""
        if self._closed:
            coroutine.close()
            return None
        task = asyncio.create_task(coroutine, name=name)
        (self._loops if forever else self._tasks).add(task)
        task.add_done_callback(self._finished)
        return task

    def _finished(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        self._loops.discard(task)
        if not task.cancelled() and (error := task.exception()) is not None:
            log.error("Background task %s failed", task.get_name(), exc_info=error)

    async def wait_idle(self) -> None:
        """Wait for every task running now (tests and benchmarks use this)."""
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def close(self, *, grace: float = 2.0) -> None:
        """Stop taking work, let running tasks finish for up to `grace` seconds, cancel the rest."""
        self._closed = True
        for loop in list(self._loops):
            loop.cancel()
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=grace)
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, *self._loops, return_exceptions=True)
        self._tasks.clear()
        self._loops.clear()
