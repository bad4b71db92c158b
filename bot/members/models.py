"""A member's own settings as plain data."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class MemberSettings:
    user_id: int
    timezone: str | None = None


@dataclass(frozen=True)
class EffectiveTimezone:
    """The zone a member's typed times are read in, and where it comes from."""

    zone: str | None
    source: Literal["member", "server", "unset"]
    label: str | None  # the zone and its offset now, as replies show it
