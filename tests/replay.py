"""Replaying a provider's HTTP answers through httpx.MockTransport, one queue per URL path."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

Reply = Callable[[httpx.Request], httpx.Response]


def ok(body: Any, headers: dict[str, str] | None = None) -> Reply:
    return lambda request: httpx.Response(200, json=body, headers=headers)


def status(code: int, body: Any = None, headers: dict[str, str] | None = None) -> Reply:
    return lambda request: httpx.Response(code, json=body, headers=headers)


def raw(code: int, content: bytes, content_type: str = "text/html") -> Reply:
    return lambda request: httpx.Response(
        code, content=content, headers={"content-type": content_type}
    )


def timeout(kind: type[httpx.TimeoutException] = httpx.ReadTimeout) -> Reply:
    def reply(request: httpx.Request) -> httpx.Response:
        raise kind("timed out", request=request)

    return reply


class ReplayApi:
    """Replies queued per URL path (the last one repeats); every request is recorded."""

    def __init__(self) -> None:
        self.routes: dict[str, list[Reply]] = {}
        self.requests: list[httpx.Request] = []

    def on(self, path: str, *replies: Reply) -> None:
        self.routes.setdefault(path, []).extend(replies)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        queue = self.routes.get(request.url.path)
        if not queue:
            raise AssertionError(f"unexpected request: {request.method} {request.url.path}")
        reply = queue.pop(0) if len(queue) > 1 else queue[0]
        return reply(request)

    def paths(self) -> list[str]:
        return [request.url.path for request in self.requests]
