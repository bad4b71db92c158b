"""The REST plumbing shared by all routes: request context, replies, Discord's response headers."""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from sandbox.errors import ApiError
from sandbox.rate_limits import bucket_hash
from sandbox.recording import RecordedFile
from sandbox.state import SandboxState

Json = dict[str, Any]


@dataclass
class RequestContext:
    state: SandboxState
    request: web.Request
    params: dict[str, str]
    query: dict[str, str]
    json: Any
    files: list[RecordedFile] = field(default_factory=list)

    def body(self) -> Json:
        """The JSON object body, or a 400 like Discord's when it is not an object."""
        if not isinstance(self.json, dict):
            raise ApiError(400, 50109, "The request body contains invalid JSON.")
        return self.json

    def flag(self, name: str) -> bool:
        return self.query.get(name, "").lower() in ("1", "true")


@dataclass
class Reply:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


Handler = Callable[[RequestContext], Awaitable[Reply]]


@dataclass(frozen=True)
class Route:
    method: str
    template: str
    handler: Handler
    auth: bool = True
    # Interaction endpoints are "not bound to the application's Global Rate Limit".
    exempt_from_global_limit: bool = False


def ok(body: Any) -> Reply:
    return Reply(200, body)


def no_content() -> Reply:
    return Reply(204, None)


def error_reply(error: ApiError) -> Reply:
    return Reply(error.status, error.body())


def success_headers(template: str | None) -> dict[str, str]:
    # Enough for discord.py's bucket bookkeeping to run without ever making the bot wait.
    return {
        "X-RateLimit-Limit": "5",
        "X-RateLimit-Remaining": "4",
        "X-RateLimit-Reset": f"{time.time() + 1:.3f}",
        "X-RateLimit-Reset-After": "1.000",
        "X-RateLimit-Bucket": bucket_hash(template or "unknown"),
    }


def to_response(reply: Reply, template: str | None) -> web.Response:
    headers = {**success_headers(template), "Via": "1.1 google", **reply.headers}
    if reply.status == 204 or reply.body is None:
        return web.Response(status=reply.status, headers=headers)
    # discord.py only parses JSON when Content-Type is exactly this string, without a charset.
    headers["Content-Type"] = "application/json"
    return web.Response(status=reply.status, body=json.dumps(reply.body).encode(), headers=headers)
