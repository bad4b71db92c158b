"""`Sandbox`: the public face. Starts the server and gives tests one object to drive and inspect."""
# ruff: noqa: ASYNC109 - waits in this API take an explicit timeout= by design.

from __future__ import annotations

import base64
import secrets
from collections.abc import Mapping, Sequence
from datetime import timedelta
from types import TracebackType
from typing import Any, Self

from sandbox.events import ACTIVE, EXTERNAL, SCHEDULED, new_event
from sandbox.faults import Fault
from sandbox.gateway import PRIVILEGED_INTENTS, GatewaySession
from sandbox.interaction_state import InteractionResult
from sandbox.interactions import Actor, Driver
from sandbox.messages import StoredMessage
from sandbox.payloads import role_payload
from sandbox.permissions import Permissions
from sandbox.recording import RecordedRequest
from sandbox.server import API_PREFIX, GATEWAY_PATH, SandboxServer
from sandbox.state import SandboxState
from sandbox.transcript import Transcript, TranscriptEntry
from sandbox.world import ChannelSpec, GuildSpec, MemberSpec, UserSpec, World

Json = dict[str, Any]


def _make_token(bot_id: str) -> str:
    # Shaped like a real token (base64 user id . timestamp . hmac) so token parsers are happy.
    head = base64.urlsafe_b64encode(bot_id.encode()).decode().rstrip("=")
    return f"{head}.{secrets.token_urlsafe(4)}.{secrets.token_urlsafe(28)}"


class Sandbox:
    """A local Discord on 127.0.0.1: REST at `api_base_url`, the gateway at `gateway_url`."""

    def __init__(
        self,
        world: World | None = None,
        *,
        token: str | None = None,
        port: int = 0,
        response_deadline: float | None = 3.0,
        allowed_privileged_intents: int = PRIVILEGED_INTENTS,
        enforce_command_permissions: bool = True,
        global_rate_limit: int | None = None,
    ) -> None:
        """`global_rate_limit` turns on Discord's global limit at that many requests per second
        (50 on Discord): the bot's requests over it, interaction endpoints aside, get a global
        429 and never reach their route. None, the default, never limits."""
        self.world = world if world is not None else World.default()
        self._state = SandboxState(
            self.world,
            token=token or _make_token(self.world.bot.id),
            response_deadline=response_deadline,
            allowed_privileged_intents=allowed_privileged_intents,
            global_rate_limit=global_rate_limit,
        )
        self._server = SandboxServer(self._state, port=port)
        # Off mimics a server admin overriding the command's permissions in Integrations settings.
        self._driver = Driver(self._state, enforce_command_permissions=enforce_command_permissions)
        self._started = False

    # -- lifecycle --------------------------------------------------------------------------

    async def start(self) -> None:
        if self._started:
            return
        await self._server.start()
        self._state.base_url = self._server.base_url
        self._state.gateway.url = self.gateway_url
        self._started = True

    async def stop(self) -> None:
        if self._started:
            await self._server.stop()
            self._started = False

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    # -- Discord's clocks on interactions -------------------------------------------------------

    @property
    def response_deadline(self) -> float | None:
        """Seconds to acknowledge an interaction before it is 10062 Unknown interaction (3 on
        Discord); None leaves only the token's lifetime."""
        return self._state.response_deadline

    @response_deadline.setter
    def response_deadline(self, seconds: float | None) -> None:
        self._state.response_deadline = seconds

    @property
    def token_lifetime(self) -> float:
        """Seconds an interaction's token answers follow-ups and edits (15 minutes on Discord);
        after that they are 401 with code 50027 Invalid Webhook Token."""
        return self._state.token_lifetime

    @token_lifetime.setter
    def token_lifetime(self, seconds: float) -> None:
        self._state.token_lifetime = seconds

    # -- where the bot should connect ---------------------------------------------------------

    @property
    def base_url(self) -> str:
        return self._server.base_url

    @property
    def api_base_url(self) -> str:
        return self._server.base_url + API_PREFIX

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self._server.port}{GATEWAY_PATH}"

    @property
    def token(self) -> str:
        return self._state.token

    # -- gateway -------------------------------------------------------------------------------

    @property
    def identify_count(self) -> int:
        return self._state.gateway.identify_count

    @property
    def resume_count(self) -> int:
        return self._state.gateway.resume_count

    @property
    def sessions(self) -> list[GatewaySession]:
        return list(self._state.gateway.sessions)

    @property
    def identify_payloads(self) -> list[Json]:
        """What each IDENTIFY said (token removed): intents, properties, shard…"""
        return list(self._state.gateway.identify_payloads)

    @property
    def identify_intents(self) -> int:
        """The intents of the latest IDENTIFY."""
        payloads = self._state.gateway.identify_payloads
        if not payloads:
            raise RuntimeError("no client has identified yet")
        return int(payloads[-1]["intents"])

    async def wait_identified(self, timeout: float = 10.0, *, count: int | None = None) -> None:
        """Wait until a bot is connected and identified (or, with `count`, for the Nth IDENTIFY)."""
        gateway = self._state.gateway
        if count is not None:
            await self._state.changes.wait_for(
                lambda: gateway.identify_count >= count, timeout, f"IDENTIFY #{count}"
            )
            return
        await self._state.changes.wait_for(
            lambda: bool(gateway.connected_sessions()), timeout, "a bot to IDENTIFY"
        )

    async def reconnect(self, timeout: float = 10.0) -> None:
        """Ask the bot to reconnect (op 7) and wait until it has RESUMEd."""
        gateway = self._state.gateway
        target = gateway.resume_count + len(gateway.connected_sessions())
        if not await gateway.request_reconnect():
            raise RuntimeError("no connected bot to send RECONNECT to")
        self._state.note("gateway", self.world.bot.username, "was asked to reconnect (op 7)")
        await self._state.changes.wait_for(
            lambda: gateway.resume_count >= target and bool(gateway.connected_sessions()),
            timeout,
            "the bot to RESUME after RECONNECT",
        )
        self._state.note("gateway", self.world.bot.username, "resumed its session")

    async def invalidate_session(self, *, resumable: bool = False, timeout: float = 10.0) -> None:
        """Send op 9 INVALID_SESSION and wait for the bot to RESUME (or re-IDENTIFY)."""
        gateway = self._state.gateway
        before_identify, before_resume = gateway.identify_count, gateway.resume_count
        if not await gateway.invalidate(resumable=resumable):
            raise RuntimeError("no connected bot to invalidate")
        kind = "resumable" if resumable else "not resumable"
        self._state.note(
            "gateway", self.world.bot.username, f"had its session invalidated ({kind})"
        )
        if resumable:
            await self._state.changes.wait_for(
                lambda: gateway.resume_count > before_resume, timeout, "RESUME"
            )
        else:
            await self._state.changes.wait_for(
                lambda: gateway.identify_count > before_identify, timeout, "a new IDENTIFY"
            )

    async def dispatch(self, event: str, data: Json) -> int:
        """Send a raw gateway event (intent-filtered); returns how many sessions received it."""
        return await self._state.gateway.dispatch(event, data)

    # -- commands ------------------------------------------------------------------------------

    @property
    def sync_count(self) -> int:
        return self._state.commands.sync_count

    def synced_commands(self, guild_id: str | GuildSpec | None = None) -> list[Json]:
        scope = guild_id.id if isinstance(guild_id, GuildSpec) else guild_id
        return self._state.commands.in_scope(scope)

    async def wait_synced(self, timeout: float = 10.0, *, count: int = 1) -> None:
        await self._state.changes.wait_for(
            lambda: self._state.commands.sync_count >= count,
            timeout,
            "a command sync (PUT …/commands)",
        )

    # -- driving --------------------------------------------------------------------------------

    async def slash(
        self,
        command: str,
        *,
        member: Actor,
        channel: ChannelSpec | None = None,
        options: Mapping[str, Any] | None = None,
        timeout: float = 10.0,
    ) -> InteractionResult:
        return await self._driver.slash(
            command, member=member, channel=channel, options=options, timeout=timeout
        )

    async def autocomplete(
        self,
        command: str,
        *,
        member: Actor,
        channel: ChannelSpec | None = None,
        options: Mapping[str, Any] | None = None,
        focused: str,
        timeout: float = 10.0,
    ) -> list[Json]:
        return await self._driver.autocomplete(
            command,
            member=member,
            channel=channel,
            options=options,
            focused=focused,
            timeout=timeout,
        )

    async def click(
        self,
        *,
        member: Actor,
        message: StoredMessage | str,
        custom_id: str,
        timeout: float = 10.0,
    ) -> InteractionResult:
        return await self._driver.click(
            member=member, message=message, custom_id=custom_id, timeout=timeout
        )

    async def select(
        self,
        *,
        member: Actor,
        message: StoredMessage | str,
        custom_id: str,
        values: Sequence[Any],
        timeout: float = 10.0,
    ) -> InteractionResult:
        return await self._driver.select(
            member=member, message=message, custom_id=custom_id, values=values, timeout=timeout
        )

    async def submit_modal(
        self,
        *,
        member: Actor,
        custom_id: str,
        values: Mapping[str, str | Sequence[str]],
        channel: ChannelSpec | None = None,
        timeout: float = 10.0,
    ) -> InteractionResult:
        return await self._driver.submit_modal(
            member=member, custom_id=custom_id, values=values, channel=channel, timeout=timeout
        )

    async def say(self, member: Actor, channel: ChannelSpec | None, content: str) -> StoredMessage:
        """A user posts a plain message (MESSAGE_CREATE, intent- and content-filtered)."""
        user = member.user if isinstance(member, MemberSpec) else member
        place = channel if channel is not None else self._state.dm_channel(user)
        return await self._state.create_message(place, user, {"content": content})

    async def vote(self, member: Actor, message: StoredMessage | str, answer: int | str) -> None:
        """A user votes in a native poll (MESSAGE_POLL_VOTE_ADD)."""
        state = self._state
        stored = message if isinstance(message, StoredMessage) else state.messages.get(str(message))
        if stored is None or stored.poll is None:
            raise ValueError(f"message {message!r} has no poll")
        poll = stored.poll
        answers = {
            int(a["answer_id"]): str(a["poll_media"].get("text", "")) for a in poll["answers"]
        }
        answer_id = (
            answer
            if isinstance(answer, int)
            else next((k for k, v in answers.items() if v == answer), -1)
        )
        if answer_id not in answers:
            raise ValueError(f"the poll has no answer {answer!r} (answers: {answers})")
        if poll["results"].get("is_finalized"):
            raise ValueError("the poll is closed")
        user = member.user if isinstance(member, MemberSpec) else member
        already = [k for k, voters in stored.poll_votes.items() if user.id in voters]
        if answer_id in already or (already and not poll.get("allow_multiselect")):
            raise ValueError(f"{user.username} already voted in this poll")
        stored.poll_votes.setdefault(answer_id, []).append(user.id)
        poll["results"]["answer_counts"] = [
            {"id": k, "count": len(v), "me_voted": False}
            for k, v in sorted(stored.poll_votes.items())
        ]
        channel = state.channel(stored.channel_id)
        state.note(
            "vote",
            user.username,
            f'voted "{answers[answer_id]}" in the poll',
            where=state.where(channel) if channel else "",
        )
        event: Json = {
            "user_id": user.id,
            "channel_id": stored.channel_id,
            "message_id": stored.id,
            "answer_id": answer_id,
        }
        if stored.guild_id is not None:
            event["guild_id"] = stored.guild_id
        await state.gateway.dispatch("MESSAGE_POLL_VOTE_ADD", event)

    async def rsvp(self, member: MemberSpec, event_id: str) -> None:
        """A member marks a scheduled event as interested (GUILD_SCHEDULED_EVENT_USER_ADD)."""
        state = self._state
        events = state.scheduled_events.get(member.guild_id, [])
        event = next((e for e in events if e["id"] == event_id), None)
        if event is None:
            raise ValueError(f"no scheduled event {event_id} in {member.guild.name}")
        subscribers = state.event_subscribers.setdefault(event_id, [])
        if member.id not in subscribers:
            subscribers.append(member.id)
        state.note(
            "event", member.username, f'is interested in "{event["name"]}"', where=member.guild.name
        )
        await state.gateway.dispatch(
            "GUILD_SCHEDULED_EVENT_USER_ADD",
            {
                "guild_scheduled_event_id": event_id,
                "user_id": member.id,
                "guild_id": member.guild_id,
            },
        )

    async def settle(self, quiet: float = 0.1, timeout: float = 5.0) -> None:
        """Wait until the bot has made no REST request for `quiet` seconds."""
        await self._state.log.wait_quiet(quiet, timeout)

    # -- what happened --------------------------------------------------------------------------

    def messages(self, channel: ChannelSpec | str) -> list[StoredMessage]:
        channel_id = channel.id if isinstance(channel, ChannelSpec) else channel
        return self._state.messages.visible(channel_id)

    def message(self, message_id: str) -> StoredMessage | None:
        return self._state.messages.get(message_id)

    def dm_channel(self, user: MemberSpec | UserSpec) -> ChannelSpec:
        return self._state.dm_channel(user.user if isinstance(user, MemberSpec) else user)

    def dms(self, user: MemberSpec | UserSpec) -> list[StoredMessage]:
        return self._state.messages.visible(self.dm_channel(user).id)

    def close_dms(self, user: MemberSpec | UserSpec) -> None:
        """From now on the bot's DMs to this user fail with 403 code 50007."""
        self._state.closed_dms.add(user.id)

    def open_dms(self, user: MemberSpec | UserSpec) -> None:
        self._state.closed_dms.discard(user.id)

    def scheduled_events(self, guild: GuildSpec | str) -> list[Json]:
        guild_id = guild.id if isinstance(guild, GuildSpec) else guild
        return [dict(e) for e in self._state.scheduled_events.get(guild_id, [])]

    async def add_scheduled_events(
        self, guild: GuildSpec | str, count: int, *, status: int = SCHEDULED
    ) -> list[Json]:
        """Fill `guild` with `count` external events made by its owner (not the bot), one a day
        from tomorrow, in `status` (1 scheduled, 2 active, 3 completed, 4 canceled). Call it
        before or after the bot connects: GUILD_CREATE or GUILD_SCHEDULED_EVENT_CREATE carries
        them. 100 scheduled or active ones put the guild at Discord's cap (30038)."""
        state = self._state
        place = guild if isinstance(guild, GuildSpec) else self.world.guild(guild)
        owner = self.world.find_user(place.owner_id)
        if owner is None:
            raise ValueError(f"{place.name!r} has no owner among the world's users")
        events = state.scheduled_events.setdefault(place.id, [])
        now = state.now().replace(minute=0, second=0, microsecond=0)
        added: list[Json] = []
        for n in range(len(events) + 1, len(events) + count + 1):
            start = now - timedelta(hours=1) if status == ACTIVE else now + timedelta(days=n)
            event = new_event(
                event_id=self.world.ids.next(),
                guild_id=place.id,
                creator=owner,
                name=f"Community event {n}",
                start=start,
                end=start + timedelta(hours=2),
                entity_type=EXTERNAL,
                location="Community voice",
                status=status,
            )
            events.append(event)
            added.append(dict(event))
        state.note("event", owner.username, f"scheduled {count} events", where=place.name)
        for event in added:
            await state.gateway.dispatch("GUILD_SCHEDULED_EVENT_CREATE", dict(event))
        await state.changes.notify()
        return added

    async def revoke_bot_permissions(self, guild: GuildSpec | str, permissions: int) -> None:
        """Take `permissions` away from the bot in `guild`, as a server admin would (see
        GuildSpec.revoke_bot_permissions: @everyone loses them too), and tell a connected bot
        with GUILD_ROLE_UPDATE. For example MANAGE_EVENTS | CREATE_EVENTS: creating, editing
        and deleting scheduled events then fail with 403 code 50013."""
        place = guild if isinstance(guild, GuildSpec) else self.world.guild(guild)
        changed = place.revoke_bot_permissions(permissions)
        names = ", ".join(
            (flag.name or "").replace("_", " ").title() for flag in Permissions(permissions)
        )
        self._state.note(
            "gateway", "·", f"{self.world.bot.username} loses {names}", where=place.name
        )
        for role in changed:
            await self._state.gateway.dispatch(
                "GUILD_ROLE_UPDATE", {"guild_id": place.id, "role": role_payload(role)}
            )

    def threads(self, channel: ChannelSpec | str) -> list[Json]:
        """The threads started from messages in `channel`, as Discord describes them (each
        has the id of its message), oldest first."""
        channel_id = channel.id if isinstance(channel, ChannelSpec) else channel
        return [t.payload() for t in self._state.threads.values() if t.parent_id == channel_id]

    def attachment_data(self, attachment: Json | str) -> bytes:
        """The bytes uploaded for an attachment (a dict from StoredMessage.attachments, or its
        id), kept even after an edit or a delete removed it from its message."""
        attachment_id = str(attachment["id"]) if isinstance(attachment, dict) else attachment
        try:
            return self._state.files[attachment_id]
        except KeyError:
            raise KeyError(f"no attachment {attachment_id} was ever uploaded") from None

    def render_message(self, message: StoredMessage) -> Json:
        """The message exactly as the REST API returns it."""
        return self._state.render(message)

    # -- faults and recording ----------------------------------------------------------------

    def fail_next(
        self,
        method: str | None = "POST",
        route: str = "/channels/{channel_id}/messages",
        status: int = 429,
        *,
        times: int = 1,
        retry_after: float = 0.2,
        code: int | None = None,
        global_: bool = False,
        message: str | None = None,
    ) -> None:
        """Make the next `times` matching requests fail like Discord would (429, 5xx, 403, …).

        `route` is a path template (`/channels/{channel_id}/messages`) or a concrete path;
        `method=None` matches any method. The request is recorded but never reaches the route.
        """
        self._state.faults.add(
            Fault(
                method=method,
                route=route,
                status=status,
                remaining=times,
                retry_after=retry_after,
                code=code,
                global_=global_,
                message=message,
            )
        )

    @property
    def global_rate_limit(self) -> int | None:
        """Requests per second the global limit allows, or None when it is off."""
        limit = self._state.global_rate_limit
        return limit.per_second if limit is not None else None

    @property
    def rate_limited_count(self) -> int:
        """How many requests the global limit refused (global 429s the sandbox chose to send,
        injected faults not included). In `requests` they are the ones with status 429 and
        `fault` False."""
        limit = self._state.global_rate_limit
        return limit.refused if limit is not None else 0

    @property
    def pending_faults(self) -> list[Fault]:
        return self._state.faults.pending()

    @property
    def requests(self) -> list[RecordedRequest]:
        return list(self._state.log.requests)

    @property
    def unknown_routes(self) -> list[RecordedRequest]:
        return list(self._state.log.unknown)

    @property
    def internal_errors(self) -> list[str]:
        """Crashes inside the sandbox itself (answered as 400 code 0); should always be empty."""
        return list(self._state.internal_errors)

    @property
    def transcript(self) -> Transcript:
        return self._state.transcript

    def note(self, text: str) -> None:
        """Add a narrator line to the transcript (handy in demos)."""
        self._state.transcript.add(TranscriptEntry(kind="gateway", where="", actor="·", text=text))
