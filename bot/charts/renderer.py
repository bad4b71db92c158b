"""Charts are drawn off the event loop, one at a time, on the renderer's own worker thread.

matplotlib is not thread-safe, so one thread serialises every drawing; it is also slow to
import, so the worker imports it on first use, after pointing MPLCONFIGDIR at a writable folder.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bot.charts.fonts import chart_fonts, prepare_config_dir


class ChartRenderer:
    """`await renderer.render(functools.partial(results_chart, title, bars))` -> PNG bytes.

    `config_dir` is matplotlib's config and font-cache folder when MPLCONFIGDIR is not set; by
    default a new temporary folder. A render awaited after `close()` raises RuntimeError. A
    cancelled render still finishes on the worker; its result is dropped.
    """

    def __init__(self, *, config_dir: Path | None = None) -> None:
        prepare_config_dir(config_dir)
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="watchclub-charts")
        self._closed = False

    async def render(self, draw: Callable[[], bytes]) -> bytes:
        if self._closed:
            raise RuntimeError("the chart renderer is closed")
        return await asyncio.get_running_loop().run_in_executor(self._executor, draw)

    async def warm_up(self) -> None:
        """Import matplotlib and find the fonts now, so the first chart is not the slow one."""
        await self.render(lambda: bytes(len(chart_fonts().families)))

    def close(self) -> None:
        """Stop the worker: a queued render is cancelled, a running one finishes first."""
        self._closed = True
        self._executor.shutdown(wait=True, cancel_futures=True)
