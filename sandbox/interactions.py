"""Driving the bot the way users do: slash commands, autocomplete, buttons, selects, modals.

Each call builds the INTERACTION_CREATE Discord would send, dispatches it over the gateway and
waits for the bot's answer. Anything a real user could not do (an unsynced command, a missing
required option, clicking a disabled button) raises in the test instead.
"""
# ruff: noqa: ASYNC109 - waits in this API take an explicit timeout= by design.

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Mapping, Sequence
from typing import Any

from sandbox.command_permissions import Who, refusal
from sandbox.errors import (
    CommandNotPermittedError,
    InteractionTimeoutError,
    NotConnectedError,
    UnsyncedCommandError,
)
from sandbox.interaction_state import (
    APPLICATION_COMMAND,
    AUTOCOMPLETE,
    MESSAGE_COMPONENT,
    MODAL_SUBMIT,
    InteractionRecord,
    InteractionResult,
)
from sandbox.message_rules import assign_component_ids, walk_components
from sandbox.messages import StoredMessage
from sandbox.options import build_options
from sandbox.payloads import channel_payload, member_payload, user_payload
from sandbox.state import SandboxState
from sandbox.submissions import entity_values, fill_modal
from sandbox.transcript import TranscriptEntry
from sandbox.world import DM_CHANNEL, ChannelSpec, MemberSpec, UserSpec

Json = dict[str, Any]
Actor = MemberSpec | UserSpec

ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024
GUILD_CONTEXT, BOT_DM_CONTEXT = 0, 1
_STRING_SELECT = 3
_ENTITY_SELECTS = {5: "user", 6: "role", 7: "mentionable", 8: "channel"}


class Driver:
    def __init__(self, state: SandboxState, *, enforce_command_permissions: bool = True) -> None:
        self._state = state
        self._enforce_permissions = enforce_command_permissions

    # -- who and where ------------------------------------------------------------------------

    def _place(
        self, actor: Actor, channel: ChannelSpec | None
    ) -> tuple[UserSpec, MemberSpec | None, ChannelSpec]:
        if isinstance(actor, MemberSpec):
            if channel is None:
                raise ValueError("a guild member needs a channel= to act in")
            if channel.guild_id != actor.guild_id:
                raise ValueError(f"{actor.username} is not in the guild of #{channel.name}")
            return actor.user, actor, channel
        dm = channel or self._state.dm_channel(actor)
        if dm.type != DM_CHANNEL:
            raise ValueError(
                "a bare UserSpec can only act in DMs; pass the MemberSpec for guild channels"
            )
        return actor, None, dm

    def _base_payload(
        self, kind: int, user: UserSpec, member: MemberSpec | None, channel: ChannelSpec, data: Json
    ) -> Json:
        state = self._state
        guild = state.guild_of(channel)
        interaction_id = state.world.ids.next()
        payload: Json = {
            "id": interaction_id,
            "application_id": state.world.application_id,
            "type": kind,
            "data": data,
            "token": "aW50ZXJhY3Rpb246" + secrets.token_urlsafe(48),
            "version": 1,
            "channel_id": channel.id,
            "locale": "en-US",
            "entitlements": [],
            "entitlement_sku_ids": [],
            "attachment_size_limit": ATTACHMENT_SIZE_LIMIT,
        }
        channel_data = channel_payload(channel, last_message_id=state.messages.last_id(channel.id))
        if guild is not None and member is not None:
            channel_data["permissions"] = str(member.permissions)
            payload.update(
                guild_id=guild.id,
                guild={
                    "id": guild.id,
                    "locale": guild.preferred_locale,
                    "features": list(guild.features),
                },
                guild_locale=guild.preferred_locale,
                member=member_payload(member, with_permissions=True),
                app_permissions=str(guild.bot_member.permissions),
                authorizing_integration_owners={"0": guild.id},
                context=GUILD_CONTEXT,
            )
        else:
            payload.update(
                user=user_payload(user),
                app_permissions="0",
                authorizing_integration_owners={"0": "0"},
                context=BOT_DM_CONTEXT,
            )
        payload["channel"] = channel_data
        return payload

    def _record(
        self,
        payload: Json,
        *,
        kind_name: str,
        user: UserSpec,
        member: MemberSpec | None,
        channel: ChannelSpec,
        label: str,
        **extra: Any,
    ) -> InteractionRecord:
        result = InteractionResult(
            interaction_id=payload["id"], token=payload["token"], kind=kind_name
        )
        return InteractionRecord(
            id=payload["id"],
            token=payload["token"],
            type=payload["type"],
            channel=channel,
            user=user,
            member=member,
            label=label,
            payload=payload,
            result=result,
            **extra,
        )

    def _log_action(self, kind: str, record: InteractionRecord, text: str) -> None:
        self._state.transcript.add(
            TranscriptEntry(
                kind=kind,
                where=self._state.where(record.channel),
                actor=record.who,
                text=text,
                interaction_id=record.id,
                at=time.time(),
            )
        )

    # -- running one interaction --------------------------------------------------------------

    async def _run(self, record: InteractionRecord, timeout: float) -> InteractionResult:
        state = self._state
        if not state.gateway.live_sessions():
            # Sync happens before the gateway connects, so a test may get here a moment early.
            try:
                await state.changes.wait_for(
                    lambda: bool(state.gateway.live_sessions()), timeout, "a bot session"
                )
            except TimeoutError:
                raise NotConnectedError(
                    f"no bot is connected to the gateway, so nobody receives {record.label!r}; "
                    "start the bot and await sb.wait_identified() first"
                ) from None
        state.interactions.add(record)
        await state.gateway.dispatch("INTERACTION_CREATE", record.payload)
        started = time.monotonic()
        ack_limit = state.response_deadline
        try:
            if ack_limit is not None and ack_limit < timeout:
                # Past Discord's deadline the user already saw "The application did not respond".
                await state.changes.wait_for(
                    lambda: record.acknowledged or record.done.is_set(), ack_limit + 0.25, "ack"
                )
            remaining = timeout - (time.monotonic() - started)
            await asyncio.wait_for(record.done.wait(), max(0.0, remaining))
        except TimeoutError:
            raise InteractionTimeoutError(
                self._explain(record, time.monotonic() - started)
            ) from None
        return record.result

    def _explain(self, record: InteractionRecord, waited: float) -> str:
        where = self._state.where(record.channel)
        head = f"interaction {record.id} ({record.label} by {record.who} in {where})"
        if not record.acknowledged:
            reason = f"got no response within {waited:.1f}s"
            if (
                self._state.response_deadline is not None
                and waited >= self._state.response_deadline
            ):
                reason += f" (Discord gives up after {self._state.response_deadline:.0f}s)"
        else:
            reason = (
                f"was deferred (callback type {record.result.callback_type}) but the bot never "
                f"edited the original response or sent a follow-up within {waited:.1f}s"
            )
        lines = [f"{head} {reason}"]
        lines.extend(f"  - {problem}" for problem in record.problems)
        return "\n".join(lines)

    # -- slash commands and autocomplete ---------------------------------------------------------

    def _command_data(
        self,
        command: str,
        member: MemberSpec | None,
        channel: ChannelSpec,
        options: Mapping[str, Any],
        focused: str | None,
    ) -> tuple[Json, str, str]:
        state = self._state
        parts = command.strip().lstrip("/").split()
        if not parts:
            raise ValueError("empty command")
        name, path = parts[0], parts[1:]
        guild = state.guild_of(channel)
        schema = state.commands.find(name, guild.id if guild else None)
        if schema is None:
            synced = ", ".join("/" + n for n in state.commands.names(guild.id if guild else None))
            raise UnsyncedCommandError(
                f"/{name} was never synced{' for ' + guild.name if guild else ''} "
                f"(synced: {synced or 'nothing'}; sync_count={state.commands.sync_count})"
            )
        self._check_availability(schema, member, channel)
        built = build_options(
            schema, path, options, world=state.world, guild=guild, focused=focused
        )
        data: Json = {"id": schema["id"], "name": name, "type": 1}
        if built.options:
            data["options"] = built.options
        if built.resolved:
            data["resolved"] = built.resolved
        if schema.get("guild_id"):
            data["guild_id"] = schema["guild_id"]
        label = "/" + " ".join([*built.path, *built.shown])
        return data, label, " ".join(built.path)

    def _check_availability(
        self, schema: Json, member: MemberSpec | None, channel: ChannelSpec
    ) -> None:
        if channel.type == DM_CHANNEL:
            contexts = schema.get("contexts")
            if schema.get("dm_permission") is False or (
                contexts is not None and BOT_DM_CONTEXT not in contexts
            ):
                raise CommandNotPermittedError(f"/{schema['name']} is not available in DMs")
            return
        contexts = schema.get("contexts")
        if contexts is not None and GUILD_CONTEXT not in contexts:
            raise CommandNotPermittedError(f"/{schema['name']} is not available in servers")
        if member is None or not self._enforce_permissions:
            return
        guild = member.guild
        why = refusal(
            Who(
                guild_id=guild.id,
                user_id=member.id,
                role_ids=frozenset(r.id for r in member.roles),
                permissions=member.permissions,
                channel_ids=(channel.id, *self._thread_parent(channel)),
            ),
            guild.command_permissions.get(schema["name"], ()),
            guild.command_permissions.get(None, ()),
            schema.get("default_member_permissions"),
        )
        if why is not None:
            raise CommandNotPermittedError(
                f"{member.username} cannot see /{schema['name']} in #{channel.name}: {why}"
            )

    def _thread_parent(self, channel: ChannelSpec) -> tuple[str, ...]:
        """A thread follows its parent channel's command permissions."""
        thread = self._state.threads.get(channel.id)
        return (thread.parent_id,) if thread is not None else ()

    async def slash(
        self,
        command: str,
        *,
        member: Actor,
        channel: ChannelSpec | None = None,
        options: Mapping[str, Any] | None = None,
        timeout: float = 10.0,
    ) -> InteractionResult:
        record, label = self._command_record(
            APPLICATION_COMMAND, "command", command, member, channel, options, None
        )
        self._log_action("command", record, label)
        return await self._run(record, timeout)

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
        record, label = self._command_record(
            AUTOCOMPLETE, "autocomplete", command, member, channel, options, focused
        )
        self._log_action("autocomplete", record, f"is typing {label}…")
        result = await self._run(record, timeout)
        return result.choices

    def _command_record(
        self,
        interaction_type: int,
        kind_name: str,
        command: str,
        member: Actor,
        channel: ChannelSpec | None,
        options: Mapping[str, Any] | None,
        focused: str | None,
    ) -> tuple[InteractionRecord, str]:
        """A slash command or autocomplete interaction, ready to send; and its transcript label."""
        user, guild_member, place = self._place(member, channel)
        data, label, full_name = self._command_data(
            command, guild_member, place, options or {}, focused
        )
        payload = self._base_payload(interaction_type, user, guild_member, place, data)
        record = self._record(
            payload,
            kind_name=kind_name,
            user=user,
            member=guild_member,
            channel=place,
            label=label,
            command_name=full_name,
        )
        return record, label

    # -- components ---------------------------------------------------------------------------

    def _message(self, message: StoredMessage | str) -> StoredMessage:
        found = (
            message
            if isinstance(message, StoredMessage)
            else self._state.messages.get(str(message))
        )
        if found is None or found.deleted:
            raise ValueError(f"message {message!r} does not exist (or was deleted)")
        return found

    def _component(self, message: StoredMessage, custom_id: str, viewer: UserSpec) -> Json:
        if message.visible_to is not None and message.visible_to != viewer.id:
            raise ValueError(f"{viewer.username} cannot see message {message.id}; it is ephemeral")
        component = next(
            (c for c in walk_components(message.components) if c.get("custom_id") == custom_id),
            None,
        )
        if component is None:
            ids = ", ".join(message.custom_ids()) or "none"
            raise ValueError(
                f"message {message.id} has no component {custom_id!r} (custom_ids: {ids})"
            )
        if component.get("disabled"):
            raise ValueError(f"component {custom_id!r} is disabled")
        return component

    def _component_actor(
        self, member: Actor, message: StoredMessage
    ) -> tuple[UserSpec, MemberSpec | None, ChannelSpec]:
        channel = self._state.channel(message.channel_id)
        if channel is None:
            raise ValueError(f"message {message.id} is in an unknown channel")
        return self._place(member, channel)

    async def _component_interaction(
        self,
        member: Actor,
        message: StoredMessage | str,
        data: Json,
        label: str,
        action: str,
        timeout: float,
    ) -> InteractionResult:
        stored = self._message(message)
        user, guild_member, channel = self._component_actor(member, stored)
        payload = self._base_payload(MESSAGE_COMPONENT, user, guild_member, channel, data)
        payload["message"] = self._state.render(stored)
        record = self._record(
            payload,
            kind_name="component",
            user=user,
            member=guild_member,
            channel=channel,
            label=label,
            source_message=stored,
        )
        self._log_action("click" if data["component_type"] == 2 else "select", record, action)
        return await self._run(record, timeout)

    async def click(
        self, *, member: Actor, message: StoredMessage | str, custom_id: str, timeout: float = 10.0
    ) -> InteractionResult:
        stored = self._message(message)
        user = member.user if isinstance(member, MemberSpec) else member
        component = self._component(stored, custom_id, user)
        if component.get("type") != 2:
            raise ValueError(
                f"component {custom_id!r} is a type {component.get('type')}, not a button; "
                "use select()"
            )
        data = {"custom_id": custom_id, "component_type": 2, "id": component.get("id")}
        label = str(component.get("label") or custom_id)
        return await self._component_interaction(
            member, stored, data, f"button {label!r}", f"clicked [{label}]", timeout
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
        stored = self._message(message)
        user = member.user if isinstance(member, MemberSpec) else member
        component = self._component(stored, custom_id, user)
        kind = component.get("type")
        low, high = component.get("min_values", 1), component.get("max_values", 1)
        if not low <= len(values) <= high:
            raise ValueError(f"select {custom_id!r} takes {low}-{high} values; got {len(values)}")
        data: Json = {"custom_id": custom_id, "component_type": kind, "id": component.get("id")}
        if kind == _STRING_SELECT:
            allowed = {
                str(o.get("value")): str(o.get("label")) for o in component.get("options") or []
            }
            unknown = [v for v in values if str(v) not in allowed]
            if unknown:
                raise ValueError(
                    f"select {custom_id!r} has no option(s) {unknown} (options: {list(allowed)})"
                )
            data["values"] = [str(v) for v in values]
            shown = ", ".join(allowed[str(v)] for v in values)
        elif kind in _ENTITY_SELECTS:
            guild = self._state.world.find_guild(stored.guild_id) if stored.guild_id else None
            ids, resolved, names = entity_values(guild, values)
            data["values"] = ids
            data["resolved"] = resolved
            shown = ", ".join(names)
        else:
            raise ValueError(f"component {custom_id!r} is not a select (type {kind})")
        placeholder = component.get("placeholder") or custom_id
        return await self._component_interaction(
            member,
            stored,
            data,
            f"select {custom_id!r}",
            f"chose {shown} in [{placeholder}]",
            timeout,
        )

    # -- modals -----------------------------------------------------------------------------------

    async def submit_modal(
        self,
        *,
        member: Actor,
        custom_id: str,
        values: Mapping[str, str | Sequence[str]],
        channel: ChannelSpec | None = None,
        timeout: float = 10.0,
    ) -> InteractionResult:
        state = self._state
        user = member.user if isinstance(member, MemberSpec) else member
        shown = state.interactions.take_modal(user.id, custom_id)
        if shown is None:
            open_ids = ", ".join(state.interactions.shown_modal_ids(user.id)) or "none"
            raise ValueError(
                f"no modal {custom_id!r} is open for {user.username} (open: {open_ids})"
            )
        try:
            components, summary = fill_modal(
                assign_component_ids(list(shown.data.get("components") or [])), values
            )
        except ValueError:
            state.interactions.show_modal(user.id, shown.data, shown.opened_by)
            raise
        opener = shown.opened_by
        _, guild_member, place = self._place(member, channel or opener.channel)
        data = {"custom_id": custom_id, "components": components}
        payload = self._base_payload(MODAL_SUBMIT, user, guild_member, place, data)
        if opener.source_message is not None:
            payload["message"] = state.render(opener.source_message)
        title = shown.data.get("title", custom_id)
        record = self._record(
            payload,
            kind_name="modal",
            user=user,
            member=guild_member,
            channel=place,
            label=f"modal {title!r}",
            source_message=opener.source_message,
            triggering=opener,
        )
        self._log_action("modal_submit", record, f'submitted "{title}": {summary}')
        return await self._run(record, timeout)
