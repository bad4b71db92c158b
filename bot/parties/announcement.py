"""A watch party's announcement, as the outbox sends it: an embed (plain JSON) with the RSVP
counts, and persistent buttons whose custom_ids name the party.

Built here, not in the cog, because timers post and edit it long after the command (the next
session of a series, the counts after a reschedule), and `bot/` never imports `cogs/`.
"""

from __future__ import annotations

from typing import Any, Final

from bot.message_text import fit, in_message
from bot.outbox.message import (
    Button,
    EventDetails,
    MessageEdit,
    OutgoingMessage,
    ToChannel,
)
from bot.parties.calendar import CalendarEntry, google_calendar_link
from bot.parties.models import Party, PlaceKind, Rsvp, RsvpCounts, StoredSession
from bot.parties.series import describe_rule

COLOR: Final = 0xE0607E
CANCELLED_COLOR: Final = 0x80848E
GOING_SHOWN: Final = 20  # then "+N"
EDIT_SPACING: Final = 3  # seconds between edits of one announcement: counts follow clicks closely
FIELD_ROOM: Final = 1024
EVENT_NAME_ROOM: Final = 100
EVENT_LOCATION_ROOM: Final = 100
RSVP_LABELS: Final = {Rsvp.GOING: "Going", Rsvp.MAYBE: "Maybe", Rsvp.NOT_GOING: "Can't go"}
RSVP_EMOJI: Final = {Rsvp.GOING: "\u2705", Rsvp.MAYBE: "\U0001f914", Rsvp.NOT_GOING: "\u274c"}


def announcement_key(party_id: int, session: int) -> str:
    return f"party:{party_id}:session:{session}:announce"


def event_key(party_id: int, session: int) -> str:
    return f"party:{party_id}:session:{session}:event"


def rsvp_custom_id(party_id: int, choice: Rsvp) -> str:
    return f"party:{party_id}:rsvp:{choice.value}"


def calendar_custom_id(party_id: int) -> str:
    return f"party:{party_id}:calendar"


def session_label(party: Party, stored: StoredSession) -> str:
    """ "Crash Landing on You, episodes 1–2": what a reminder or notice names."""
    text = party.plan.title_name
    episodes = stored.session.episodes
    if episodes is not None:
        text += f", {'episode' if episodes.count == 1 else 'episodes'} {episodes}"
    return text


def message_label(party: Party, stored: StoredSession) -> str:
    return in_message(session_label(party, stored))


def place_text(party: Party) -> str | None:
    place = party.plan.place
    if place is None:
        return None
    if party.plan.place_kind in (PlaceKind.VOICE, PlaceKind.STAGE):
        return f"<#{place}>"
    return place


def announcement_embed(party: Party, stored: StoredSession, counts: RsvpCounts) -> dict[str, Any]:
    """The announcement of one session: what, when, where, who, and the answers so far."""
    plan, session = party.plan, stored.session
    start = int(session.start.timestamp())
    when = f"<t:{start}:F> (<t:{start}:R>)"
    if session.end is not None:
        when += f"\nEnds <t:{int(session.end.timestamp())}:t>"
    fields: list[dict[str, Any]] = [{"name": "When", "value": when, "inline": False}]
    if session.episodes is not None:
        word = "Episode" if session.episodes.count == 1 else "Episodes"
        fields.append({"name": word, "value": str(session.episodes), "inline": True})
    where = place_text(party)
    if where is not None:
        fields.append({"name": "Where", "value": fit(where, FIELD_ROOM), "inline": True})
    fields.append({"name": "Host", "value": f"<@{plan.host_id}>", "inline": True})
    if len(party.sessions) > 1:
        series = f"Session {session.number} of {len(party.sessions)}"
        if plan.repeat is not None:
            at = session.start.strftime("%H:%M %Z")
            series += f" \u00b7 {describe_rule(plan.repeat)} at {at}"
        fields.append({"name": "Series", "value": series, "inline": False})
    fields.append({"name": "RSVP", "value": counts_line(counts), "inline": False})
    if counts.going_ids:
        fields.append({"name": "Going", "value": going_line(counts), "inline": False})
    description = [line for line in (plan.compass_line, _quoted(plan.note)) if line]
    cancelled = party.cancelled or stored.cancelled
    embed: dict[str, Any] = {
        "title": fit(("Cancelled: " if cancelled else "\U0001f37f ") + plan.title_name, 256),
        "color": CANCELLED_COLOR if cancelled else COLOR,
        "fields": fields,
        "footer": {"text": f"Watch party #{party.id} \u00b7 times are shown in your own zone"},
    }
    if description:
        embed["description"] = fit("\n\n".join(description), 4096)
    if plan.cover_url:
        embed["thumbnail"] = {"url": plan.cover_url}
    return embed


def counts_line(counts: RsvpCounts) -> str:
    return " \u00b7 ".join(
        f"{RSVP_EMOJI[choice]} {number} {RSVP_LABELS[choice]}"
        for choice, number in (
            (Rsvp.GOING, counts.going),
            (Rsvp.MAYBE, counts.maybe),
            (Rsvp.NOT_GOING, counts.not_going),
        )
    )


def going_line(counts: RsvpCounts) -> str:
    """Who is Going, earliest first, up to `GOING_SHOWN`. Mentions in an embed ping nobody."""
    shown = " ".join(f"<@{member}>" for member in counts.going_ids[:GOING_SHOWN])
    more = len(counts.going_ids) - GOING_SHOWN
    return f"{shown} +{more}" if more > 0 else shown


def buttons(party: Party, stored: StoredSession) -> tuple[Button, ...]:
    rsvp = tuple(
        Button(
            RSVP_LABELS[choice],
            custom_id=rsvp_custom_id(party.id, choice),
            style="success" if choice is Rsvp.GOING else "secondary",
            emoji=RSVP_EMOJI[choice],
        )
        for choice in Rsvp
    )
    google = google_calendar_link(calendar_entry(party, stored))
    return (
        *rsvp,
        Button("Add to calendar", custom_id=calendar_custom_id(party.id), emoji="\U0001f4c5"),
        Button("Google Calendar", url=google),
    )


def announcement(party: Party, stored: StoredSession, counts: RsvpCounts) -> OutgoingMessage:
    """The post for one session, named by key so that later edits find it."""
    thread = None
    if party.plan.wants_thread:
        thread = fit(session_label(party, stored), 100)
    return OutgoingMessage(
        ToChannel(party.plan.channel_id),
        "",
        embeds=(announcement_embed(party, stored, counts),),
        buttons=buttons(party, stored),
        key=announcement_key(party.id, stored.session.number),
        thread_name=thread,
    )


def announcement_edit(
    party: Party,
    stored: StoredSession,
    counts: RsvpCounts,
    *,
    message_id: int | None = None,
    channel_id: int | None = None,
) -> MessageEdit:
    """The announcement brought up to date: the message clicked (by id), else the session's
    own (by key). A cancelled party loses its buttons; `version` keeps a slower, older count
    from replacing a newer one."""
    cancelled = party.cancelled or stored.cancelled
    return MessageEdit(
        channel_id=channel_id if channel_id is not None else party.plan.channel_id,
        content="",
        embeds=(announcement_embed(party, stored, counts),),
        message_id=message_id,
        message_key=None
        if message_id is not None
        else announcement_key(party.id, stored.session.number),
        clear_components=cancelled,
        spacing=EDIT_SPACING,
        version=party.revision,
    )


def calendar_entry(party: Party, stored: StoredSession) -> CalendarEntry:
    session = stored.session
    end = session.assumed_end
    plan = party.plan
    return CalendarEntry(
        uid=f"party-{party.id}-session-{session.number}@watchclub",
        title=session_label(party, stored),
        start=session.start,
        end=end,
        zone=plan.zone,
        description="\n\n".join(
            text for text in (plan.note, f"Watch party #{party.id}, hosted on Discord.") if text
        ),
        location=_location(party),
        url=f"https://discord.com/channels/{plan.guild_id}/{plan.channel_id}",
        sequence=stored.sequence,
        cancelled=party.cancelled or stored.cancelled,
    )


def session_event(party: Party, stored: StoredSession) -> EventDetails:
    """The guild scheduled event that mirrors a session: in its voice or stage channel, else
    at an external place (a link, or the announcement's channel) with an end time."""
    session = stored.session
    start = int(session.start.timestamp())
    end = int(session.assumed_end.timestamp())
    name = fit(session_label(party, stored), EVENT_NAME_ROOM)
    description = fit(
        "\n".join(
            line
            for line in (party.plan.note, f"Watch party #{party.id}: RSVP in the announcement.")
            if line
        ),
        1000,
    )
    kind = party.plan.place_kind
    if kind in (PlaceKind.VOICE, PlaceKind.STAGE) and party.plan.place:
        return EventDetails(
            name,
            start,
            end,
            place="voice" if kind is PlaceKind.VOICE else "stage",
            channel_id=int(party.plan.place),
            description=description,
        )
    link = party.plan.place if kind is PlaceKind.LINK else None
    location = (
        link if link and len(link) <= EVENT_LOCATION_ROOM else "Discord: see the announcement"
    )
    return EventDetails(
        name, start, end, place="external", location=location, description=description
    )


def _location(party: Party) -> str | None:
    if party.plan.place_kind is PlaceKind.LINK:
        return party.plan.place
    if party.plan.place_kind in (PlaceKind.VOICE, PlaceKind.STAGE):
        return "Discord voice channel"
    return None


def _quoted(note: str | None) -> str | None:
    if not note:
        return None
    return "\n".join(f"> {line}" for line in note.splitlines())
