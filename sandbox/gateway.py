"""The gateway websocket: HELLO, IDENTIFY/READY, heartbeats, RESUME, intent-filtered dispatch.

Events belong to sessions, not sockets: while a client reconnects, its session keeps collecting
dispatches and replays the missed ones on RESUME, as Discord does.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import json
import logging
import secrets
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSCloseCode, WSMsgType, web

from sandbox.payloads import APPLICATION_FLAGS, current_user_payload, member_payload
from sandbox.signals import Changes
from sandbox.world import GuildSpec, World

Json = dict[str, Any]
log = logging.getLogger(__name__)

DISPATCH, HEARTBEAT, IDENTIFY, RESUME, RECONNECT, REQUEST_MEMBERS = 0, 1, 2, 6, 7, 8
INVALID_SESSION, HELLO, HEARTBEAT_ACK = 9, 10, 11
HEARTBEAT_INTERVAL_MS = 41250
# A network's round trip. discord.py's heartbeat thread notes the send time only after the send
# returns; an acknowledgement handled before that makes it log "Can't keep up … 41.3s behind"
# (the whole interval), which a real network's delay never lets happen.
HEARTBEAT_ACK_DELAY = 0.02

GUILDS = 1 << 0
GUILD_MEMBERS = 1 << 1
GUILD_PRESENCES = 1 << 8
GUILD_MESSAGES = 1 << 9
GUILD_MESSAGE_REACTIONS = 1 << 10
GUILD_MESSAGE_TYPING = 1 << 11
DIRECT_MESSAGES = 1 << 12
DIRECT_MESSAGE_REACTIONS = 1 << 13
DIRECT_MESSAGE_TYPING = 1 << 14
MESSAGE_CONTENT = 1 << 15
GUILD_SCHEDULED_EVENTS = 1 << 16
GUILD_MESSAGE_POLLS = 1 << 24
DIRECT_MESSAGE_POLLS = 1 << 25
PRIVILEGED_INTENTS = GUILD_MEMBERS | GUILD_PRESENCES | MESSAGE_CONTENT

_GUILD_EVENTS = ("GUILD_UPDATE", "GUILD_DELETE", "GUILD_ROLE_", "CHANNEL_", "THREAD_")
_REPLAY_LIMIT = 5000
# Discord's own close codes for the failures a bot can provoke.
CLOSE_DECODE_ERROR = 4002
CLOSE_AUTH_FAILED = 4004
CLOSE_ALREADY_AUTHENTICATED = 4005
CLOSE_INVALID_INTENTS = 4013
CLOSE_DISALLOWED_INTENTS = 4014


def required_intent(event: str, data: Json) -> int | None:
    """The intent a session must have asked for to receive `event` (None: always delivered)."""
    in_guild = data.get("guild_id") is not None
    if event.startswith("MESSAGE_POLL_VOTE_"):
        return GUILD_MESSAGE_POLLS if in_guild else DIRECT_MESSAGE_POLLS
    if event.startswith("MESSAGE_REACTION_"):
        return GUILD_MESSAGE_REACTIONS if in_guild else DIRECT_MESSAGE_REACTIONS
    if event.startswith("MESSAGE_"):
        return GUILD_MESSAGES if in_guild else DIRECT_MESSAGES
    if event == "TYPING_START":
        return GUILD_MESSAGE_TYPING if in_guild else DIRECT_MESSAGE_TYPING
    if event.startswith("GUILD_SCHEDULED_EVENT_"):
        return GUILD_SCHEDULED_EVENTS
    if event.startswith("GUILD_MEMBER_") and event != "GUILD_MEMBERS_CHUNK":
        return GUILD_MEMBERS
    if event == "PRESENCE_UPDATE":
        return GUILD_PRESENCES
    if event == "GUILD_CREATE" or event.startswith(_GUILD_EVENTS):
        return GUILDS
    return None


def _without_content(data: Json) -> Json:
    blanked = dict(data)
    blanked["content"] = ""
    blanked["embeds"] = []
    blanked["attachments"] = []
    blanked["components"] = []
    blanked.pop("poll", None)
    return blanked


@dataclass(eq=False)
class GatewaySession:
    id: str
    intents: int
    shard: tuple[int, int]
    seq: int = 0
    socket: web.WebSocketResponse | None = None
    ended: bool = False
    sent: deque[tuple[int, str]] = field(default_factory=lambda: deque(maxlen=_REPLAY_LIMIT))
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    @property
    def connected(self) -> bool:
        return self.socket is not None and not self.socket.closed

    def wants(self, event: str, data: Json) -> bool:
        needed = required_intent(event, data)
        if needed is not None and not self.intents & needed:
            return False
        guild_id = data.get("guild_id")
        if guild_id is not None and self.shard[1] > 1:
            return (int(guild_id) >> 22) % self.shard[1] == self.shard[0]
        return True


class Gateway:
    def __init__(
        self,
        world: World,
        *,
        token: str,
        guild_create: Callable[[GuildSpec, bool], Json],
        changes: Changes,
        allowed_privileged_intents: int = PRIVILEGED_INTENTS,
    ) -> None:
        self._world = world
        self._token = token
        self._guild_create = guild_create
        self._changes = changes
        self._allowed_privileged = allowed_privileged_intents
        self.url = ""
        self.sessions: list[GatewaySession] = []
        self.identify_count = 0
        self.resume_count = 0
        self.identify_payloads: list[Json] = []
        self._sockets: set[web.WebSocketResponse] = set()

    def live_sessions(self) -> list[GatewaySession]:
        return [s for s in self.sessions if not s.ended]

    def connected_sessions(self) -> list[GatewaySession]:
        return [s for s in self.sessions if not s.ended and s.connected]

    # -- dispatch --------------------------------------------------------------------------------

    async def dispatch(self, event: str, data: Json) -> int:
        """Send an event to every live session that asked for it; returns how many got it."""
        delivered = 0
        for session in self.live_sessions():
            if not session.wants(event, data):
                continue
            payload = data
            if event in ("MESSAGE_CREATE", "MESSAGE_UPDATE") and not self._may_read(session, data):
                payload = _without_content(data)
            await self._send_dispatch(session, event, payload)
            delivered += 1
        return delivered

    def _may_read(self, session: GatewaySession, data: Json) -> bool:
        if session.intents & MESSAGE_CONTENT or data.get("guild_id") is None:
            return True
        bot_id = self._world.bot.id
        if (data.get("author") or {}).get("id") == bot_id:
            return True
        return any(u.get("id") == bot_id for u in data.get("mentions") or [])

    async def _send_dispatch(self, session: GatewaySession, event: str, data: Json) -> None:
        async with session.lock:
            session.seq += 1
            frame = json.dumps({"op": DISPATCH, "s": session.seq, "t": event, "d": data})
            session.sent.append((session.seq, frame))
            if session.socket is not None and not session.socket.closed:
                # A socket that dies mid-send keeps the frame in `sent` for the RESUME replay.
                with contextlib.suppress(ConnectionError, RuntimeError):
                    await session.socket.send_str(frame)

    async def send_op(self, session: GatewaySession, op: int, data: Any = None) -> None:
        async with session.lock:
            if session.socket is not None and not session.socket.closed:
                await session.socket.send_str(
                    json.dumps({"op": op, "d": data, "s": None, "t": None})
                )

    async def request_reconnect(self) -> list[GatewaySession]:
        sessions = self.connected_sessions()
        for session in sessions:
            await self.send_op(session, RECONNECT)
        return sessions

    async def invalidate(self, *, resumable: bool) -> list[GatewaySession]:
        sessions = self.connected_sessions()
        for session in sessions:
            if not resumable:
                session.ended = True
            await self.send_op(session, INVALID_SESSION, resumable)
        return sessions

    async def close_all(self) -> None:
        for socket in list(self._sockets):
            await socket.close(code=WSCloseCode.GOING_AWAY)

    # -- the websocket handler ---------------------------------------------------------------------

    async def handle(self, request: web.Request) -> web.StreamResponse:
        socket = web.WebSocketResponse(autoping=True, max_msg_size=0)
        await socket.prepare(request)
        self._sockets.add(socket)
        bound: list[GatewaySession] = []
        try:
            await socket.send_str(
                json.dumps(
                    {
                        "op": HELLO,
                        "d": {"heartbeat_interval": HEARTBEAT_INTERVAL_MS},
                        "s": None,
                        "t": None,
                    }
                )
            )
            async for message in socket:
                if message.type is WSMsgType.TEXT:
                    await self._on_frame(socket, message.data, bound)
                elif message.type is WSMsgType.BINARY:
                    await socket.close(
                        code=CLOSE_DECODE_ERROR, message=b"Error while decoding payload."
                    )
        finally:
            self._sockets.discard(socket)
            for session in bound:
                if session.socket is socket:
                    session.socket = None
                    # Closing with 1000/1001 ends a Discord session; other codes leave it resumable.
                    if socket.close_code in (1000, 1001):
                        session.ended = True
            await self._changes.notify()
        return socket

    async def _on_frame(
        self, socket: web.WebSocketResponse, raw: str, bound: list[GatewaySession]
    ) -> None:
        try:
            frame = json.loads(raw)
            op = frame["op"]
        except (ValueError, KeyError, TypeError):
            await socket.close(code=CLOSE_DECODE_ERROR, message=b"Error while decoding payload.")
            return
        data = frame.get("d")
        if op == HEARTBEAT:
            await asyncio.sleep(HEARTBEAT_ACK_DELAY)
            if not socket.closed:
                await socket.send_str(
                    json.dumps({"op": HEARTBEAT_ACK, "d": None, "s": None, "t": None})
                )
        elif op == IDENTIFY:
            if any(s.socket is socket for s in bound):
                await socket.close(
                    code=CLOSE_ALREADY_AUTHENTICATED, message=b"Already authenticated."
                )
                return
            session = await self._identify(socket, data or {})
            if session is not None:
                bound.append(session)
        elif op == RESUME:
            session = await self._resume(socket, data or {})
            if session is not None:
                bound.append(session)
        elif op == REQUEST_MEMBERS:
            await self._request_members(bound, data or {})
        else:
            # Presence (3) and voice state (4) updates are accepted and ignored.
            log.debug("gateway ignored op %s", op)

    async def _identify(self, socket: web.WebSocketResponse, data: Json) -> GatewaySession | None:
        if data.get("token") != self._token:
            await socket.close(code=CLOSE_AUTH_FAILED, message=b"Authentication failed.")
            return None
        intents = data.get("intents")
        if not isinstance(intents, int):
            await socket.close(code=CLOSE_INVALID_INTENTS, message=b"Invalid intent(s).")
            return None
        if intents & PRIVILEGED_INTENTS & ~self._allowed_privileged:
            await socket.close(code=CLOSE_DISALLOWED_INTENTS, message=b"Disallowed intent(s).")
            return None
        shard_raw = data.get("shard") or [0, 1]
        shard = (int(shard_raw[0]), int(shard_raw[1]))
        # A fresh IDENTIFY means the old process is gone: its dropped sessions would never resume.
        for old in self.sessions:
            if not old.connected:
                old.ended = True
        session = GatewaySession(id=secrets.token_hex(16), intents=intents, shard=shard)
        session.socket = socket
        self.sessions.append(session)
        self.identify_payloads.append({k: v for k, v in data.items() if k != "token"})
        guilds = [
            g for g in self._world.guilds if session.wants("GUILD_CREATE", {"guild_id": g.id})
        ]
        ready = {
            "v": 10,
            "user": current_user_payload(self._world.bot),
            "guilds": [{"id": g.id, "unavailable": True} for g in guilds],
            "session_id": session.id,
            "session_type": "normal",
            "resume_gateway_url": self.url,
            "shard": list(shard),
            "application": {"id": self._world.application_id, "flags": APPLICATION_FLAGS},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "guild_join_requests": [],
            "user_settings": {},
            "geo_ordered_rtc_regions": [],
            "auth": {},
        }
        await self._send_dispatch(session, "READY", ready)
        with_members = bool(intents & GUILD_MEMBERS)
        for guild in guilds:
            # GUILD_CREATE on connect is sent whatever the intents say, as Discord does.
            await self._send_dispatch(
                session, "GUILD_CREATE", self._guild_create(guild, with_members)
            )
        self.identify_count += 1
        await self._changes.notify()
        return session

    async def _resume(self, socket: web.WebSocketResponse, data: Json) -> GatewaySession | None:
        if data.get("token") != self._token:
            await socket.close(code=CLOSE_AUTH_FAILED, message=b"Authentication failed.")
            return None
        session = next(
            (s for s in self.sessions if s.id == data.get("session_id") and not s.ended), None
        )
        if session is None:
            await socket.send_str(
                json.dumps({"op": INVALID_SESSION, "d": False, "s": None, "t": None})
            )
            return None
        last_seen = int(data.get("seq") or 0)
        async with session.lock:
            session.socket = socket
            for seq, frame in list(session.sent):
                if seq > last_seen:
                    await socket.send_str(frame)
        await self._send_dispatch(session, "RESUMED", {})
        self.resume_count += 1
        await self._changes.notify()
        return session

    async def _request_members(self, bound: list[GatewaySession], data: Json) -> None:
        session = next((s for s in reversed(bound) if not s.ended), None)
        if session is None:
            return
        guild_ids = data.get("guild_id")
        for guild_id in guild_ids if isinstance(guild_ids, list) else [guild_ids]:
            guild = self._world.find_guild(str(guild_id))
            if guild is None:
                continue
            query = str(data.get("query") or "").lower()
            user_ids = [str(u) for u in data.get("user_ids") or []]
            limit = int(data.get("limit") or 0)
            members = [
                m
                for m in guild.members
                if (m.id in user_ids if user_ids else m.username.lower().startswith(query))
            ]
            if limit:
                members = members[:limit]
            found = {m.id for m in members}
            chunk = {
                "guild_id": guild.id,
                "members": [member_payload(m) for m in members],
                "chunk_index": 0,
                "chunk_count": 1,
                "not_found": [u for u in user_ids if u not in found],
            }
            if data.get("nonce") is not None:
                chunk["nonce"] = data["nonce"]
            if data.get("presences"):
                chunk["presences"] = []
            await self._send_dispatch(session, "GUILD_MEMBERS_CHUNK", copy.deepcopy(chunk))
