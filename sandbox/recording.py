"""The log of every REST call the bot made, with what the sandbox answered."""
# ruff: noqa: ASYNC109 - waits in this API take an explicit timeout= by design.

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class RecordedFile:
    field_name: str
    filename: str
    content_type: str
    data: bytes = field(repr=False)

    @property
    def size(self) -> int:
        return len(self.data)


@dataclass
class RecordedRequest:
    """One REST call. `route` is the OpenAPI path template (None for unknown routes), so a
    contract check can look the operation up directly."""

    method: str
    path: str
    route: str | None
    query: dict[str, str]
    headers: dict[str, str]
    json: Any
    status: int = 0
    response_json: Any = None
    at: float = 0.0
    path_params: dict[str, str] = field(default_factory=dict)
    files: list[RecordedFile] = field(default_factory=list)
    content_type: str | None = None
    response_headers: dict[str, str] = field(default_factory=dict)
    fault: bool = False
    # One of the bot's requests that Discord's global limit counts: made with its token, on a
    # route other than the interaction ones (whether or not this sandbox enforces the limit).
    under_global_limit: bool = False

    def __str__(self) -> str:
        return f"{self.method} {self.path} -> {self.status}"


class RequestLog:
    def __init__(self) -> None:
        self.requests: list[RecordedRequest] = []
        self.unknown: list[RecordedRequest] = []
        self._in_flight = 0
        self._last_activity = time.monotonic()

    def started(self) -> None:
        self._in_flight += 1
        self._last_activity = time.monotonic()

    def finished(self, record: RecordedRequest, *, unknown: bool) -> None:
        self._in_flight -= 1
        self._last_activity = time.monotonic()
        self.requests.append(record)
        if unknown:
            self.unknown.append(record)

    async def wait_quiet(self, quiet: float, timeout: float) -> None:
        """Return once no request has been in flight or arrived for `quiet` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            now = time.monotonic()
            idle_for = now - self._last_activity
            if self._in_flight == 0 and idle_for >= quiet:
                return
            if now >= deadline:
                recent = ", ".join(str(r) for r in self.requests[-5:]) or "none"
                raise TimeoutError(
                    f"the bot kept making REST requests for {timeout:.1f}s "
                    f"({self._in_flight} in flight; latest: {recent})"
                )
            wait = quiet - idle_for if self._in_flight == 0 else min(quiet, 0.02)
            await asyncio.sleep(max(0.005, min(wait, deadline - now)))
