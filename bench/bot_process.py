"""The bot in a process of its own, for benchmarks that drive it through the sandbox.

On a 2-core machine the bot gets one core and the sandbox with the load generator the other, as
a bot and Discord do in production. The parent talks to the child over a pipe: `stats()` asks
for what the bot's own process sees of itself (memory, file descriptors, asyncio tasks, ERROR
log records), `stop()` shuts it down the way SIGTERM would.

`kind` is "watchclub" (the real bot, offline titles, its data in `database`) or "noop" (the bare
discord.py peer of `bench votes`, which stores nothing).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import os
import threading
import time
from collections import Counter
from dataclasses import asdict, dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import discord

from bench.noop_bot import NoopBot
from bot.client import create_bot
from bot.demo import sandbox_settings
from bot.resources import open_resources
from sandbox import Sandbox
from sandbox.testing import redirect_discord

START_TIMEOUT = 60.0
STATS_TIMEOUT = 30.0
ERRORS_KEPT = 5
TASKS_SHOWN = 4


@dataclass(frozen=True)
class ProcessStats:
    """One look at the bot's process from inside it."""

    rss_bytes: int
    peak_rss_bytes: int  # VmHWM: the most it has held at any moment
    open_fds: int
    tasks: int  # asyncio tasks alive on the bot's loop
    commonest_tasks: tuple[tuple[str, int], ...]  # what most of them are running, for a leak
    error_records: int  # log records at ERROR or above since start
    first_errors: tuple[str, ...]


class _ErrorCounter(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.count = 0
        self.first: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1
        if len(self.first) < ERRORS_KEPT:
            text = f"{record.name}: {record.getMessage()}"
            if record.exc_info and record.exc_info[1] is not None:
                text += f" ({record.exc_info[1]!r})"
            self.first.append(text[:600])


def _status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def _task_name(task: asyncio.Task[Any]) -> str:
    coroutine = task.get_coro()
    return str(getattr(coroutine, "__qualname__", type(coroutine).__name__))


def _look(errors: _ErrorCounter) -> ProcessStats:
    tasks = asyncio.all_tasks()
    return ProcessStats(
        rss_bytes=_status_kib("VmRSS") * 1024,
        peak_rss_bytes=_status_kib("VmHWM") * 1024,
        open_fds=len(os.listdir("/proc/self/fd")),
        tasks=len(tasks),
        commonest_tasks=tuple(Counter(_task_name(t) for t in tasks).most_common(TASKS_SHOWN)),
        error_records=errors.count,
        first_errors=tuple(errors.first),
    )


def _as_sandbox(urls: dict[str, str]) -> Sandbox:
    """What `sandbox_settings` and `redirect_discord` read of a sandbox (its token and URLs),
    for a process that only has them."""
    return cast(Sandbox, SimpleNamespace(**urls))


async def _serve(kind: str, urls: dict[str, str], database: str, conn: Connection) -> None:
    errors = _ErrorCounter()
    # A handler on the root logger turns off logging's last resort, so the bot's warnings and
    # tracebacks need a stderr handler of their own.
    printed = logging.StreamHandler()
    printed.setLevel(logging.WARNING)
    logging.getLogger().addHandler(printed)
    logging.getLogger().addHandler(errors)
    sandbox = _as_sandbox(urls)
    loop = asyncio.get_running_loop()
    stopping = asyncio.Event()

    def listen() -> None:
        # The pipe is read in a thread so a blocked read never stalls the bot's loop. A closed
        # pipe means the parent is gone: stop rather than run on as an orphan.
        while True:
            try:
                asked = conn.recv()
            except EOFError:
                asked = "stop"
            if asked == "stop":
                loop.call_soon_threadsafe(stopping.set)
                return
            future = asyncio.run_coroutine_threadsafe(_answer_stats(errors), loop)
            conn.send(asdict(future.result()))

    # A daemon thread: if the bot fails to start, the process ends without waiting for a word
    # from the parent (which then sees it dead).
    threading.Thread(target=listen, name="stats-pipe", daemon=True).start()
    with redirect_discord(sandbox):
        async with contextlib.AsyncExitStack() as stack:
            client: discord.Client
            if kind == "watchclub":
                settings = sandbox_settings(
                    sandbox, Path(database), offline=True, log_level="WARNING"
                )
                resources = await stack.enter_async_context(open_resources(settings))
                client = create_bot(settings, resources)
            else:
                client = NoopBot()
            running = asyncio.create_task(client.start(urls["token"]))
            stop = asyncio.create_task(stopping.wait())
            await asyncio.wait({stop, running}, return_when=asyncio.FIRST_COMPLETED)
            await client.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(running, 30)


async def _answer_stats(errors: _ErrorCounter) -> ProcessStats:
    return _look(errors)


def _bot_process(kind: str, urls: dict[str, str], database: str, conn: Connection) -> None:
    asyncio.run(_serve(kind, urls, database, conn))


class BotProcess:
    def __init__(self, kind: str, sandbox: Sandbox, database: Path) -> None:
        urls = {
            "token": sandbox.token,
            "api_base_url": sandbox.api_base_url,
            "gateway_url": sandbox.gateway_url,
        }
        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe()
        self._process = context.Process(
            target=_bot_process, args=(kind, urls, str(database), child), daemon=True
        )
        self._process.start()
        child.close()  # so a dead child's end reads as EOF here
        # One question on the pipe at a time, held by the thread that asks, so a caller that is
        # cancelled mid-question cannot let another read the answer meant for it.
        self._pipe = threading.Lock()

    async def wait_up(self, sandbox: Sandbox, count: int) -> None:
        """Until the bot has identified with the sandbox; raises if its process died."""
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                await sandbox.wait_identified(1.0, count=count)
                return
            except TimeoutError:
                if not self._process.is_alive() or time.monotonic() > deadline:
                    raise RuntimeError(
                        f"the bot's process did not start: {self._process}"
                    ) from None

    def cpu_seconds(self) -> float:
        """CPU time the bot's process has used so far (user + system, all its threads)."""
        fields = Path(f"/proc/{self._process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def _ask(self) -> dict[str, Any]:
        with self._pipe:
            self._conn.send("stats")
            if not self._conn.poll(STATS_TIMEOUT):
                raise RuntimeError(f"the bot's process did not answer in {STATS_TIMEOUT:.0f} s")
            answer: dict[str, Any] = self._conn.recv()
            return answer

    async def stats(self) -> ProcessStats:
        answer = await asyncio.to_thread(self._ask)
        answer["first_errors"] = tuple(answer["first_errors"])
        answer["commonest_tasks"] = tuple(tuple(pair) for pair in answer["commonest_tasks"])
        return ProcessStats(**answer)

    def _send_stop(self) -> None:
        # A question stuck on a frozen bot holds the lock for at most STATS_TIMEOUT.
        with self._pipe, contextlib.suppress(BrokenPipeError, OSError):
            self._conn.send("stop")

    async def stop(self) -> None:
        await asyncio.to_thread(self._send_stop)
        await asyncio.to_thread(self._process.join, START_TIMEOUT)
        if self._process.is_alive():
            self._process.kill()
            self._process.join()
