"""Replaying a provider's HTTP answers through httpx.MockTransport.

Replies are queued per route (the URL path by default, or e.g. the GraphQL operation name), and
every request is recorded, so a test says what the provider answers and then reads what was asked.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import httpx

Reply = Callable[[httpx.Request], httpx.Response]
Route = Callable[[httpx.Request], str]


def ok(body: Any, headers: dict[str, str] | None = None) -> Reply:
    """A 200 with a JSON body."""
    return lambda request: httpx.Response(200, json=body, headers=headers)


def status(code: int, body: Any = None, headers: dict[str, str] | None = None) -> Reply:
    """Any status with a JSON body (`None` is sent as JSON null)."""
    return lambda request: httpx.Response(code, json=body, headers=headers)


def raw(
    code: int,
    content: bytes | str,
    content_type: str = "text/html",
    headers: dict[str, str] | None = None,
) -> Reply:
    """Any status with a body sent as is: HTML error pages, truncated or undecodable JSON."""
    body = content.encode() if isinstance(content, str) else content
    return lambda request: httpx.Response(
        code, content=body, headers={"content-type": content_type, **(headers or {})}
    )


def timeout(kind: type[httpx.TimeoutException] = httpx.ReadTimeout) -> Reply:
    """No answer in time: raises `kind` as httpx does."""

    def reply(request: httpx.Request) -> httpx.Response:
        raise kind("timed out", request=request)

    return reply


def url_path(request: httpx.Request) -> str:
    return request.url.path


def graphql_operation(request: httpx.Request) -> str:
    """The operation name of a GraphQL request (`query SearchAnime(...)` gives SearchAnime)."""
    match = re.search(r"\bquery\s+(\w+)", json.loads(request.content)["query"])
    assert match, "every GraphQL request must be a named operation"
    return match.group(1)


class ReplayApi:
    """Replies queued per route (the last one repeats); every request is recorded.

    Pass it as `httpx.MockTransport(api)`. `route` names the queue a request is answered from.
    """

    def __init__(self, route: Route = url_path) -> None:
        self.route = route
        self.routes: dict[str, list[Reply]] = {}
        self.requests: list[httpx.Request] = []

    def on(self, route: str, *replies: Reply) -> None:
        self.routes.setdefault(route, []).extend(replies)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        route = self.route(request)
        queue = self.routes.get(route)
        if not queue:
            raise AssertionError(f"unexpected request: {request.method} {request.url} ({route})")
        reply = queue.pop(0) if len(queue) > 1 else queue[0]
        return reply(request)

    def paths(self) -> list[str]:
        return [request.url.path for request in self.requests]

    def bodies(self) -> list[Any]:
        """The JSON body of every request, in order."""
        return [json.loads(request.content) for request in self.requests]
