"""Plans waiting at Confirm: what the member asked for, kept in SQLite so that the Confirm,
Change and zone buttons of a preview still work after a restart.

A draft stores the request and the moment it was read. Planning is a pure function of the two,
so Confirm creates exactly the plan the preview showed ("in 2 hours" stays the time shown), and
the service checks once more that it is still ahead.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

from bot.parties.models import MoveRequest, PlaceKind, ScheduleRequest
from bot.storage.database import Database, Transaction

DRAFT_LIFETIME = 24 * 3600  # a preview nobody confirmed in a day is forgotten


AnyRequest = ScheduleRequest | MoveRequest


@dataclass(frozen=True)
class Draft:
    id: int
    request: AnyRequest
    read_at: int  # Unix seconds: the "now" the request's times were read against


def request_to_json(request: AnyRequest) -> str:
    data = asdict(request)
    if isinstance(request, MoveRequest):
        data["kind"] = "move"
    else:
        data["place_kind"] = request.place_kind.value
    return json.dumps(data)


def request_from_json(text: str) -> AnyRequest:
    data: dict[str, Any] = json.loads(text)
    if data.get("kind") == "move":
        moves = set(MoveRequest.__dataclass_fields__)
        data["shown"] = tuple((int(n), int(seq)) for n, seq in data.get("shown", ()))
        return MoveRequest(**{key: value for key, value in data.items() if key in moves})
    data["place_kind"] = PlaceKind(data.get("place_kind", PlaceKind.NONE.value))
    known = set(ScheduleRequest.__dataclass_fields__)
    return ScheduleRequest(**{key: value for key, value in data.items() if key in known})


class DraftRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def save(self, request: AnyRequest, *, now: int) -> Draft:
        """Keep a new draft, and forget the ones nobody confirmed in time."""
        async with self._db.transaction() as tx:
            await tx.execute(
                "DELETE FROM party_drafts WHERE created_at < ?", (now - DRAFT_LIFETIME,)
            )
            draft_id = await tx.insert(
                "INSERT INTO party_drafts (guild_id, member_id, request, created_at)"
                " VALUES (?, ?, ?, ?)",
                (request.guild_id, request.host_id, request_to_json(request), now),
            )
        return Draft(draft_id, request, now)

    async def replace(self, draft_id: int, request: AnyRequest, *, now: int) -> Draft:
        async with self._db.transaction() as tx:
            await tx.execute(
                "UPDATE party_drafts SET request = ?, created_at = ? WHERE id = ?",
                (request_to_json(request), now, draft_id),
            )
        return Draft(draft_id, request, now)

    async def get(self, draft_id: int, *, member_id: int, now: int) -> Draft | None:
        """The member's own draft, if it has not expired."""
        row = await self._db.fetchone(
            "SELECT id, request, created_at FROM party_drafts"
            " WHERE id = ? AND member_id = ? AND created_at >= ?",
            (draft_id, member_id, now - DRAFT_LIFETIME),
        )
        if row is None:
            return None
        return Draft(row["id"], request_from_json(row["request"]), row["created_at"])

    async def delete(self, draft_id: int) -> bool:
        async with self._db.transaction() as tx:
            return await self.delete_in(tx, draft_id)

    async def delete_in(self, tx: Transaction, draft_id: int) -> bool:
        """Forget a draft; False when it was gone already. Confirm deletes it in the
        transaction that creates the party, so a double click creates one party."""
        return await tx.execute("DELETE FROM party_drafts WHERE id = ?", (draft_id,)) > 0
