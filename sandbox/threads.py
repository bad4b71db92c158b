"""Threads opened on messages, as the sandbox holds them: Discord's JSON, built in one place.

A thread started from a message takes the message's id, as on Discord, so a message has at most
one (a second start answers 160004).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sandbox.ids import iso_timestamp

Json = dict[str, Any]

PUBLIC_THREAD = 11
THREAD_NAME_LIMIT = 100
ARCHIVE_DURATIONS = (60, 1440, 4320, 10080)  # minutes; Discord accepts only these
DEFAULT_ARCHIVE_DURATION = 1440  # what a channel defaults to when the request names none


@dataclass(eq=False)
class StoredThread:
    id: str  # the message it was started from
    guild_id: str
    parent_id: str
    name: str
    owner_id: str
    created_at: datetime
    auto_archive_duration: int = DEFAULT_ARCHIVE_DURATION

    def payload(self) -> Json:
        return {
            "id": self.id,
            "type": PUBLIC_THREAD,
            "flags": 0,
            "guild_id": self.guild_id,
            "parent_id": self.parent_id,
            "name": self.name,
            "owner_id": self.owner_id,
            "last_message_id": None,
            "rate_limit_per_user": 0,
            "message_count": 0,
            "member_count": 1,  # its creator joins it
            "total_message_sent": 0,
            "thread_metadata": {
                "archived": False,
                "archive_timestamp": iso_timestamp(self.created_at),
                "auto_archive_duration": self.auto_archive_duration,
                "locked": False,
                "create_timestamp": iso_timestamp(self.created_at),
            },
        }
