"""One condition every waiter in the sandbox shares: something changed, re-check your predicate."""
# ruff: noqa: ASYNC109 - waits in this API take an explicit timeout= by design.

from __future__ import annotations

import asyncio
from collections.abc import Callable


class Changes:
    def __init__(self) -> None:
        self._condition = asyncio.Condition()

    async def notify(self) -> None:
        async with self._condition:
            self._condition.notify_all()

    async def wait_for(self, predicate: Callable[[], bool], timeout: float, what: str) -> None:
        async def waiter() -> None:
            async with self._condition:
                await self._condition.wait_for(predicate)

        try:
            await asyncio.wait_for(waiter(), timeout)
        except TimeoutError:
            raise TimeoutError(f"timed out after {timeout:.1f}s waiting for {what}") from None
