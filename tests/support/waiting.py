"""Waiting for what happens asynchronously (a gateway event, a timer firing, a send) by
polling for its effect, never by sleeping a fixed time."""

from __future__ import annotations

import asyncio
from collections.abc import Callable


async def eventually(
    condition: Callable[[], object], within: float = 10.0, *, every: float = 0.005
) -> None:
    """Return once `condition()` is true; fail if it is not within `within` seconds."""
    deadline = asyncio.get_running_loop().time() + within
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"condition not met within {within} s")
        await asyncio.sleep(every)
