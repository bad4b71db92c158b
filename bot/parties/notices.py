"""What Going members are told, and how it reaches them: a ping in the party's channel, or a DM
for those who asked for one (`/watchparty remind dm:on`). A closed DM falls back to the channel
with the member mentioned; the outbox does that and records it.

Each message may ping only the members it names, plus the server's role when given, and nobody
else (DESIGN.md rule 6).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Final

from bot.message_text import in_message
from bot.outbox.message import OutgoingMessage, ToChannel, ToMember
from bot.parties.announcement import message_label
from bot.parties.models import Party, StoredSession

# Mentions per message: 50 of the longest ids (24 characters with a space) and the headline
# stay inside the 2,000-character limit; more Going members get a follow-up message.
MENTIONS_PER_MESSAGE: Final = 50
HEADLINE_ROOM: Final = 700


def to_going(
    party: Party,
    headline: str,
    going: Sequence[int],
    by_dm: Collection[int],
    *,
    role_id: int | None = None,
) -> list[OutgoingMessage]:
    """`headline` for each Going member: one DM each for those who chose DMs, and channel
    messages pinging the rest (and the role), split under Discord's limits."""
    headline = headline if len(headline) <= HEADLINE_ROOM else headline[: HEADLINE_ROOM - 1] + "…"
    channel_id = party.plan.channel_id
    in_channel = [member for member in going if member not in by_dm]
    roles = (role_id,) if role_id is not None else ()
    step = MENTIONS_PER_MESSAGE
    groups = [tuple(in_channel[i : i + step]) for i in range(0, len(in_channel), step)]
    messages: list[OutgoingMessage] = []
    # The channel always hears it: Maybe members and the curious read it there.
    for position, members in enumerate(groups or [()]):
        pinged_roles = roles if position == 0 else ()
        pings = " ".join([*(f"<@&{r}>" for r in pinged_roles), *(f"<@{m}>" for m in members)])
        text = headline if position == 0 else f"\u2026 {in_message(party.plan.title_name)}"
        messages.append(
            OutgoingMessage(
                ToChannel(channel_id),
                f"{text}\n{pings}".strip(),
                mention_user_ids=members,
                mention_role_ids=pinged_roles,
            )
        )
    footer = f"\n-# Watch party #{party.id} in <#{channel_id}>"
    messages.extend(
        OutgoingMessage(ToMember(member, fallback_channel_id=channel_id), headline + footer)
        for member in going
        if member in by_dm
    )
    return messages


def change_notices(
    party: Party,
    going: Sequence[int],
    by_dm: Collection[int],
    *,
    moved_from: Sequence[StoredSession] = (),
    moved_to: Sequence[StoredSession] = (),
    cancelled: Sequence[StoredSession] = (),
) -> list[OutgoingMessage]:
    """Tell the Going members that sessions moved or were cancelled. Nobody is pinged when
    nobody is Going: the announcement's edit says it for everyone else."""
    if not going:
        return []
    lines: list[str] = []
    for old, new in zip(moved_from, moved_to, strict=True):
        was, now = int(old.session.start.timestamp()), int(new.session.start.timestamp())
        lines.append(
            f"\U0001f501 **{message_label(party, new)}** moved to <t:{now}:F> (<t:{now}:R>); "
            f"it was <t:{was}:F>."
        )
    if cancelled and party.cancelled:
        name = in_message(party.plan.title_name)
        lines.append(f"\U0001f6ab **{name}** (watch party #{party.id}) is cancelled.")
    else:
        for stored in cancelled:
            start = int(stored.session.start.timestamp())
            lines.append(
                f"\U0001f6ab **{message_label(party, stored)}** on <t:{start}:F> is cancelled."
            )
    if not lines:
        return []
    if len(lines) > 4:
        lines = [
            *lines[:3],
            f"\u2026 and {len(lines) - 3} more changes: see `/watchparty info {party.id}`.",
        ]
    return to_going(party, "\n".join(lines), going, by_dm)
