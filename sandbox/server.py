"""The aiohttp app: REST under /api/v10, the gateway websocket, attachment downloads.

Every REST call goes through one wrapper that parses the body, checks the token, applies the
global rate limit (when on) and injected faults, runs the route, answers with Discord's headers
and records the exchange.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from aiohttp import BodyPartReader, web

from sandbox.errors import ApiError
from sandbox.faults import route_pattern
from sandbox.rate_limits import rate_limited_answer
from sandbox.recording import RecordedFile, RecordedRequest
from sandbox.rest import Reply, RequestContext, Route, error_reply, to_response
from sandbox.routes_app import ROUTES as APP_ROUTES
from sandbox.routes_guilds import ROUTES as GUILD_ROUTES
from sandbox.routes_interactions import ROUTES as INTERACTION_ROUTES
from sandbox.routes_messages import ROUTES as MESSAGE_ROUTES
from sandbox.state import SandboxState

API_PREFIX = "/api/v10"
GATEWAY_PATH = "/gateway"
ALL_ROUTES: list[Route] = [*APP_ROUTES, *MESSAGE_ROUTES, *GUILD_ROUTES, *INTERACTION_ROUTES]
_HIDDEN_HEADERS = {"authorization"}
log = logging.getLogger(__name__)


class _BadBody(Exception):
    pass


async def _read_body(request: web.Request) -> tuple[Any, list[RecordedFile], str | None]:
    content_type = request.headers.get("Content-Type")
    if not request.can_read_body:
        return None, [], content_type
    if request.content_type == "multipart/form-data":
        payload: Any = None
        files: list[RecordedFile] = []
        reader = await request.multipart()
        async for part in reader:
            if not isinstance(part, BodyPartReader):
                continue
            name = part.name or ""
            data = await part.read()
            filename = part.filename
            if name == "payload_json":
                payload = _parse_json(bytes(data))
            elif filename is not None:
                part_type = part.headers.get("Content-Type", "application/octet-stream")
                files.append(RecordedFile(name, filename, part_type, bytes(data)))
        return payload, files, content_type
    raw = await request.read()
    if not raw:
        return None, [], content_type
    return _parse_json(raw), [], content_type


def _parse_json(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        raise _BadBody from None


def _visible_headers(request: web.Request, token: str) -> dict[str, str]:
    """Headers as sent, except the token: recordings end up in printed failure output. Whether
    the right token was sent stays visible, as "Bot <sandbox token>"."""
    headers = {}
    for name, value in request.headers.items():
        if name.lower() in _HIDDEN_HEADERS:
            value = "Bot <sandbox token>" if value == f"Bot {token}" else "<redacted>"
        headers[name] = value
    return headers


class SandboxServer:
    def __init__(self, state: SandboxState, host: str = "127.0.0.1", port: int = 0) -> None:
        self._state = state
        self._host = host
        self._port = port
        self._runner: web.AppRunner | None = None
        self.port = 0
        self._patterns = [(r.method, route_pattern(r.template)) for r in ALL_ROUTES]

    @property
    def base_url(self) -> str:
        return f"http://{self._host}:{self.port}"

    def build_app(self) -> web.Application:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        for route in ALL_ROUTES:
            app.router.add_route(route.method, API_PREFIX + route.template, self._wrap(route))
        app.router.add_get(GATEWAY_PATH, self._state.gateway.handle)
        app.router.add_get("/attachments/{channel_id}/{attachment_id}/{filename}", self._attachment)
        app.router.add_route("*", "/{tail:.*}", self._unknown)
        return app

    async def start(self) -> None:
        self._runner = web.AppRunner(self.build_app(), access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self._host, self._port)
        await site.start()
        self.port = int(self._runner.addresses[0][1])

    async def stop(self) -> None:
        await self._state.gateway.close_all()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def _wrap(self, route: Route) -> Any:
        async def handle(request: web.Request) -> web.StreamResponse:
            return await self._handle(route, request)

        return handle

    async def _handle(self, route: Route | None, request: web.Request) -> web.StreamResponse:
        state = self._state
        state.log.started()
        path = request.path
        if path.startswith(API_PREFIX + "/"):
            path = path.removeprefix(API_PREFIX)
        template = route.template if route else None
        record = RecordedRequest(
            method=request.method,
            path=path,
            route=template,
            query=dict(request.query),
            headers=_visible_headers(request, state.token),
            json=None,
            at=time.time(),
            path_params=dict(request.match_info) if route else {},
        )
        try:
            try:
                reply = await self._answer(route, request, record)
            except ApiError as error:
                reply = error_reply(error)
            except _BadBody:
                reply = error_reply(ApiError(400, 50109, "The request body contains invalid JSON."))
            except Exception as error:
                # A sandbox bug must fail fast and loudly: a 5xx would look like a Discord outage
                # and discord.py would retry it for ~16 s before giving up.
                log.exception("sandbox route %s %s crashed", request.method, path)
                state.internal_errors.append(f"{request.method} {path}: {error!r}")
                message = f"sandbox internal error (a bug in sandbox/, not the bot): {error!r}"
                reply = Reply(400, {"message": message, "code": 0})
            response = to_response(reply, template)
            record.status = reply.status
            record.response_json = reply.body
            record.response_headers = dict(response.headers)
            return response
        finally:
            state.log.finished(record, unknown=route is None)
            await state.changes.notify()

    async def _answer(
        self, route: Route | None, request: web.Request, record: RecordedRequest
    ) -> Reply:
        state = self._state
        body, files, content_type = await _read_body(request)
        record.json, record.files, record.content_type = body, files, content_type
        if route is None:
            return self._unknown_reply(request.method, record.path)
        if route.auth and request.headers.get("Authorization") != f"Bot {state.token}":
            return Reply(401, {"message": "401: Unauthorized", "code": 0})
        record.under_global_limit = (
            not route.exempt_from_global_limit
            and request.headers.get("Authorization") == f"Bot {state.token}"
        )
        over_limit = self._global_limit_reply(route, record)
        if over_limit is not None:
            return over_limit
        fault = state.faults.take(request.method, record.path, route.template)
        if fault is not None:
            record.fault = True
            status, fault_body, headers = fault.answer(route.template)
            return Reply(status, fault_body, headers)
        ctx = RequestContext(
            state=state,
            request=request,
            params=dict(request.match_info),
            query=record.query,
            json=body,
            files=files,
        )
        return await route.handler(ctx)

    def _global_limit_reply(self, route: Route, record: RecordedRequest) -> Reply | None:
        """A global 429 when the bot is over Discord's global limit, else None. It counts the
        requests `record.under_global_limit` marks. It sits in front of the routes: a refused
        request reaches neither its route nor an injected fault."""
        limit = self._state.global_rate_limit
        if limit is None or not record.under_global_limit:
            return None
        retry_after = limit.admit()
        if retry_after is None:
            return None
        status, body, headers = rate_limited_answer(route.template, retry_after, global_=True)
        return Reply(status, body, headers)

    def _unknown_reply(self, method: str, path: str) -> Reply:
        if any(p.match(path) for m, p in self._patterns if m != method):
            return Reply(405, {"message": "405: Method Not Allowed", "code": 0})
        return Reply(
            404,
            {
                "message": f"Unknown route: the sandbox does not implement {method} {path}",
                "code": 10000,
            },
        )

    async def _unknown(self, request: web.Request) -> web.StreamResponse:
        return await self._handle(None, request)

    async def _attachment(self, request: web.Request) -> web.StreamResponse:
        attachment_id = request.match_info["attachment_id"]
        data = self._state.files.get(attachment_id)
        if data is None:
            return web.Response(status=404)
        content_type = self._state.file_types.get(attachment_id, "application/octet-stream")
        return web.Response(body=data, content_type=content_type)
