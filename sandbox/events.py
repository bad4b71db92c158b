"""Guild scheduled events as the sandbox holds them: Discord's JSON, built in one place so the REST
routes and the test helpers that pre-fill a guild make identical events."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sandbox.ids import iso_timestamp
from sandbox.payloads import user_payload
from sandbox.world import UserSpec

Json = dict[str, Any]

STAGE_INSTANCE, VOICE, EXTERNAL = 1, 2, 3
SCHEDULED, ACTIVE, COMPLETED, CANCELED = 1, 2, 3, 4
GUILD_ONLY = 2
# Discord refuses a new event while a guild has this many that are SCHEDULED or ACTIVE.
MAX_UNCOMPLETED_EVENTS = 100
UNCOMPLETED = frozenset({SCHEDULED, ACTIVE})


def new_event(
    *,
    event_id: str,
    guild_id: str,
    creator: UserSpec,
    name: str,
    start: datetime,
    end: datetime | None,
    entity_type: int,
    description: str | None = None,
    channel_id: str | None = None,
    location: str | None = None,
    privacy_level: int = GUILD_ONLY,
    recurrence_rule: Json | None = None,
    status: int = SCHEDULED,
) -> Json:
    return {
        "id": event_id,
        "guild_id": guild_id,
        "name": name,
        "description": description,
        "channel_id": channel_id,
        "creator_id": creator.id,
        "creator": user_payload(creator),
        "image": None,
        "scheduled_start_time": iso_timestamp(start),
        "scheduled_end_time": iso_timestamp(end) if end is not None else None,
        "status": status,
        "entity_type": entity_type,
        "entity_id": None,
        "recurrence_rule": recurrence_rule,
        "privacy_level": privacy_level,
        "guild_scheduled_event_exceptions": [],
        "entity_metadata": {"location": location} if entity_type == EXTERNAL else None,
        "sku_ids": [],
    }


def uncompleted_count(events: Iterable[Json]) -> int:
    """How many events count towards the cap: those SCHEDULED or ACTIVE."""
    return sum(1 for e in events if e.get("status") in UNCOMPLETED)


def describe(event: Json) -> str:
    """One line for the transcript: name, start and place."""
    start = datetime.fromisoformat(event["scheduled_start_time"]).strftime("%a %d %b %Y %H:%M UTC")
    where = (event.get("entity_metadata") or {}).get("location") or "a voice channel"
    return f'"{event["name"]}" · {start} · {where}'
