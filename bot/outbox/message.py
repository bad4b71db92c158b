"""What a feature asks the outbox to do: plain data, no discord.py objects.

- `OutgoingMessage`: post a message in a channel or a DM, optionally with PNG files, buttons
  (`Button`) and a discussion thread opened on it.
- `MessageEdit`: edit a message the bot posted earlier. Queued edits of one message collapse
  into the latest, and one message is edited at most once every `spacing` seconds.
- `MirrorEvent` / `RemoveEvent`: keep a guild scheduled event in step with a feature's
  session, or remove it. The outbox remembers the event id Discord returned, by `key`.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any, Literal

MAX_CONTENT = 2000  # Discord's limit for a message's content
MAX_MENTIONS = 100  # Discord's limit for allowed_mentions.users and .roles
MAX_FILES = 10  # Discord's limit of attachments per message
MAX_EMBEDS = 10  # Discord's limit of embeds per message
MAX_FILE_BYTES = 8 * 1024 * 1024  # below Discord's 10 MiB upload limit for bots
MAX_KEY = 200
DEFAULT_EDIT_SPACING = 10  # seconds: a poll under 1,000 votes a minute is edited ~6 times
MAX_EVENT_NAME = 100
MAX_EVENT_DESCRIPTION = 1000
MAX_EVENT_LOCATION = 100
MAX_BUTTONS = 25  # Discord's limit: 5 action rows of 5 buttons
BUTTONS_PER_ROW = 5
MAX_BUTTON_LABEL = 80
MAX_CUSTOM_ID = 100
MAX_BUTTON_URL = 512
MAX_EMOJI = 32  # a unicode emoji, flags and skin tones included, is a few code points
MAX_THREAD_NAME = 100
BUTTON_STYLES = ("primary", "secondary", "success", "danger")

_FILENAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")


@dataclass(frozen=True)
class ToChannel:
    channel_id: int


@dataclass(frozen=True)
class ToMember:
    """A DM. If the member's DMs are closed, the message goes to `fallback_channel_id`
    with the member mentioned, and the outbox records that it fell back."""

    member_id: int
    fallback_channel_id: int | None = None


@dataclass(frozen=True)
class Attachment:
    """A file sent with a message or an edit (a chart, a calendar). It is stored with its
    outbox row until the row is done, so it survives a restart."""

    filename: str
    data: bytes
    description: str | None = None

    def __post_init__(self) -> None:
        if not _FILENAME.match(self.filename):
            raise ValueError(f"unsafe attachment filename {self.filename!r}")
        if not self.data or len(self.data) > MAX_FILE_BYTES:
            raise ValueError(f"an attachment holds 1 byte to {MAX_FILE_BYTES} bytes")


ButtonStyle = Literal["primary", "secondary", "success", "danger"]


@dataclass(frozen=True)
class Button:
    """A button under a message: an action button (custom_id, handled by a persistent
    DynamicItem in a cog) or a link button (url). A link button has Discord's own link style,
    whatever `style` says."""

    label: str
    custom_id: str | None = None
    url: str | None = None
    style: ButtonStyle = "secondary"
    emoji: str | None = None  # a unicode emoji

    def __post_init__(self) -> None:
        if (self.custom_id is None) == (self.url is None):
            raise ValueError("a button has a custom_id (an action) or a url (a link), not both")
        if not 0 < len(self.label) <= MAX_BUTTON_LABEL:
            raise ValueError(f"a button label is 1 to {MAX_BUTTON_LABEL} characters")
        if self.custom_id is not None and not 0 < len(self.custom_id) <= MAX_CUSTOM_ID:
            raise ValueError(f"a custom_id is 1 to {MAX_CUSTOM_ID} characters")
        if self.url is not None and (
            not self.url.startswith(("https://", "http://")) or len(self.url) > MAX_BUTTON_URL
        ):
            raise ValueError(f"a link button's url is http(s)://, at most {MAX_BUTTON_URL} long")
        if self.style not in BUTTON_STYLES:
            raise ValueError(f"a button's style is one of {', '.join(BUTTON_STYLES)}")
        if self.emoji is not None and not 0 < len(self.emoji) <= MAX_EMOJI:
            raise ValueError("a button's emoji is one unicode emoji")


def _check_buttons(buttons: tuple[Button, ...]) -> None:
    if len(buttons) > MAX_BUTTONS:
        raise ValueError(f"at most {MAX_BUTTONS} buttons per message")
    custom_ids = [b.custom_id for b in buttons if b.custom_id is not None]
    if len(set(custom_ids)) != len(custom_ids):
        raise ValueError("two buttons share a custom_id")  # Discord refuses the message


def button_to_payload(button: Button) -> dict[str, Any]:
    """A JSON-safe form, for outbox rows and timers' payloads."""
    return asdict(button)


def button_from_payload(payload: dict[str, Any]) -> Button:
    return Button(
        label=str(payload["label"]),
        custom_id=None if payload.get("custom_id") is None else str(payload["custom_id"]),
        url=None if payload.get("url") is None else str(payload["url"]),
        style=payload.get("style", "secondary"),
        emoji=None if payload.get("emoji") is None else str(payload["emoji"]),
    )


def _check_files(files: tuple[Attachment, ...]) -> None:
    if len(files) > MAX_FILES:
        raise ValueError(f"at most {MAX_FILES} files per message")
    if len({file.filename for file in files}) != len(files):
        raise ValueError("two attachments share a filename")


def _check_embeds(embeds: tuple[dict[str, Any], ...]) -> None:
    if not isinstance(embeds, tuple) or not all(isinstance(e, dict) for e in embeds):
        raise ValueError("embeds is a tuple of embeds (dicts), e.g. embeds=(embed,)")
    if len(embeds) > MAX_EMBEDS:
        raise ValueError(f"at most {MAX_EMBEDS} embeds per message")


def embeds_from_json(value: Any) -> tuple[dict[str, Any], ...]:
    """Embeds as stored (an outbox row's `embed` column, a timer's payload): a list of them,
    or, from before a message could carry several, one embed or none."""
    if value is None:
        return ()
    if isinstance(value, dict):
        return (value,)
    if isinstance(value, list) and all(isinstance(e, dict) for e in value):
        return tuple(value)
    raise ValueError(f"unreadable embeds: {type(value).__name__}")


def _check_key(key: str | None) -> None:
    if key is not None and not 0 < len(key) <= MAX_KEY:
        raise ValueError(f"a key is 1 to {MAX_KEY} characters")


@dataclass(frozen=True)
class OutgoingMessage:
    """One message. Only the users and roles listed here can be pinged by it, whatever the
    content says; `mergeable` lets the outbox join it with others for the same channel and
    minute into one message (reminders read better that way than as a burst of posts).
    `key` names the message, so a later `MessageEdit` can edit it before its id is known.

    `embeds` (at most 10) show in order, under the content. `buttons` go under the message in
    rows of 5, in order. `thread_name` opens a public thread
    of that name on the message once it is posted (channels only); a thread that cannot be
    opened (no permission) is logged and recorded, and the message still counts as sent.
    A message with buttons or a thread is never merged with others."""

    to: ToChannel | ToMember
    content: str
    mention_user_ids: tuple[int, ...] = ()
    mention_role_ids: tuple[int, ...] = ()
    embeds: tuple[dict[str, Any], ...] = ()
    mergeable: bool = False
    files: tuple[Attachment, ...] = ()
    key: str | None = None
    buttons: tuple[Button, ...] = ()
    thread_name: str | None = None

    def __post_init__(self) -> None:
        _check_embeds(self.embeds)
        if not self.content and not self.embeds and not self.files:
            raise ValueError("a message needs content, an embed or a file")
        if len(self.content) > MAX_CONTENT:
            raise ValueError(f"content is {len(self.content)} characters; at most {MAX_CONTENT}")
        if len(self.mention_user_ids) > MAX_MENTIONS or len(self.mention_role_ids) > MAX_MENTIONS:
            raise ValueError(f"at most {MAX_MENTIONS} users and {MAX_MENTIONS} roles per message")
        _check_files(self.files)
        _check_key(self.key)
        _check_buttons(self.buttons)
        if self.thread_name is not None:
            if not isinstance(self.to, ToChannel):
                raise ValueError("only a message in a channel can open a thread")
            name = self.thread_name.strip()
            if not 0 < len(name) <= MAX_THREAD_NAME:
                raise ValueError(f"a thread name is 1 to {MAX_THREAD_NAME} characters")
            object.__setattr__(self, "thread_name", name)  # frozen: set once, here


@dataclass(frozen=True)
class MessageEdit:
    """The whole new state of a message the bot posted: its content and embeds replace the old.

    The message is named by `message_id`, or by the `key` of the `OutgoingMessage` that posts
    it (the edit then waits until that message exists). `files=None` keeps the attachments;
    a tuple replaces them (empty: removes them). `buttons=None` keeps the buttons; a tuple
    replaces them (a closed party's); `clear_components` removes them (a closed poll). An edit
    never pings anyone. `version` orders states that are computed apart
    (a timer's and a click's): an edit never replaces one with a higher version. Without it,
    the order of queueing decides.
    """

    channel_id: int
    content: str
    embeds: tuple[dict[str, Any], ...] = ()
    message_id: int | None = None
    message_key: str | None = None
    files: tuple[Attachment, ...] | None = None
    clear_components: bool = False
    spacing: int = DEFAULT_EDIT_SPACING
    version: int | None = None
    buttons: tuple[Button, ...] | None = None

    def __post_init__(self) -> None:
        if (self.message_id is None) == (self.message_key is None):
            raise ValueError("an edit names its message by message_id or by message_key")
        if self.clear_components and self.buttons:
            raise ValueError("an edit clears the buttons or replaces them, not both")
        _check_buttons(self.buttons or ())
        _check_embeds(self.embeds)
        if not self.content and not self.embeds and not self.files:
            raise ValueError("an edit leaves content, an embed or a file")
        if len(self.content) > MAX_CONTENT:
            raise ValueError(f"content is {len(self.content)} characters; at most {MAX_CONTENT}")
        if self.spacing < 0:
            raise ValueError("spacing is seconds, at least 0")
        _check_files(self.files or ())
        _check_key(self.message_key)

    @property
    def target(self) -> str:
        """Which message: edits with the same target collapse into the latest."""
        named = f"id{self.message_id}" if self.message_id is not None else f"key{self.message_key}"
        return f"edit:{self.channel_id}:{named}"


EventPlace = Literal["voice", "stage", "external"]


@dataclass(frozen=True)
class EventDetails:
    """A guild scheduled event as Discord shows it. Times are Unix seconds (UTC)."""

    name: str
    start: int
    end: int | None = None
    place: EventPlace = "external"
    channel_id: int | None = None  # the voice or stage channel
    location: str | None = None  # for an external event: a link or a place
    description: str | None = None

    def __post_init__(self) -> None:
        if not 0 < len(self.name) <= MAX_EVENT_NAME:
            raise ValueError(f"an event name is 1 to {MAX_EVENT_NAME} characters")
        if self.description is not None and len(self.description) > MAX_EVENT_DESCRIPTION:
            raise ValueError(f"an event description is at most {MAX_EVENT_DESCRIPTION} characters")
        if self.end is not None and self.end <= self.start:
            raise ValueError("an event ends after it starts")
        if self.place == "external":
            if not self.location or len(self.location) > MAX_EVENT_LOCATION:
                raise ValueError(f"an external event has a location of 1 to {MAX_EVENT_LOCATION}")
            if self.end is None:
                raise ValueError("an external event needs an end time")
        elif self.channel_id is None:
            raise ValueError("a voice or stage event needs its channel")


@dataclass(frozen=True)
class MirrorEvent:
    """Create the event named `key` in the guild, or bring the existing one up to date.
    `version` works as for `MessageEdit`."""

    guild_id: int
    key: str
    details: EventDetails
    version: int | None = None

    def __post_init__(self) -> None:
        _check_key(self.key)


@dataclass(frozen=True)
class RemoveEvent:
    """Delete the event named `key`, if it was ever created."""

    guild_id: int
    key: str
    version: int | None = None

    def __post_init__(self) -> None:
        _check_key(self.key)


Delivery = OutgoingMessage | MessageEdit | MirrorEvent | RemoveEvent


def message_to_payload(message: OutgoingMessage) -> dict[str, Any]:
    """A JSON-safe form, for storing a message in a timer's payload (files are not stored)."""
    if message.files:
        raise ValueError("a scheduled message cannot carry files; attach them when it is due")
    to: dict[str, int | None] = (
        {"channel_id": message.to.channel_id}
        if isinstance(message.to, ToChannel)
        else {
            "member_id": message.to.member_id,
            "fallback_channel_id": message.to.fallback_channel_id,
        }
    )
    return {
        "to": to,
        "content": message.content,
        "mention_user_ids": list(message.mention_user_ids),
        "mention_role_ids": list(message.mention_role_ids),
        "embeds": list(message.embeds),
        "mergeable": message.mergeable,
        "key": message.key,
        "buttons": [button_to_payload(b) for b in message.buttons],
        "thread_name": message.thread_name,
    }


def message_from_payload(payload: dict[str, Any]) -> OutgoingMessage:
    to = payload["to"]
    target: ToChannel | ToMember = (
        ToChannel(int(to["channel_id"]))
        if "channel_id" in to
        else ToMember(
            int(to["member_id"]),
            None if to.get("fallback_channel_id") is None else int(to["fallback_channel_id"]),
        )
    )
    return OutgoingMessage(
        to=target,
        content=str(payload.get("content", "")),
        mention_user_ids=tuple(int(i) for i in payload.get("mention_user_ids", ())),
        mention_role_ids=tuple(int(i) for i in payload.get("mention_role_ids", ())),
        embeds=_payload_embeds(payload),
        mergeable=bool(payload.get("mergeable", False)),
        key=None if payload.get("key") is None else str(payload["key"]),
        buttons=tuple(button_from_payload(b) for b in payload.get("buttons") or ()),
        thread_name=None if payload.get("thread_name") is None else str(payload["thread_name"]),
    )


def edit_to_payload(edit: MessageEdit) -> dict[str, Any]:
    """A JSON-safe form, for storing an edit in a timer's payload (files are not stored)."""
    if edit.files:
        raise ValueError("a scheduled edit cannot carry files; attach them when it is due")
    return {
        "channel_id": edit.channel_id,
        "content": edit.content,
        "embeds": list(edit.embeds),
        "message_id": edit.message_id,
        "message_key": edit.message_key,
        "remove_files": edit.files == (),
        "clear_components": edit.clear_components,
        "spacing": edit.spacing,
        "version": edit.version,
        "buttons": None if edit.buttons is None else [button_to_payload(b) for b in edit.buttons],
    }


def edit_from_payload(payload: dict[str, Any]) -> MessageEdit:
    return MessageEdit(
        channel_id=int(payload["channel_id"]),
        content=str(payload.get("content", "")),
        embeds=_payload_embeds(payload),
        message_id=None if payload.get("message_id") is None else int(payload["message_id"]),
        message_key=None if payload.get("message_key") is None else str(payload["message_key"]),
        files=() if payload.get("remove_files") else None,
        clear_components=bool(payload.get("clear_components", False)),
        spacing=int(payload.get("spacing", DEFAULT_EDIT_SPACING)),
        version=None if payload.get("version") is None else int(payload["version"]),
        buttons=None
        if payload.get("buttons") is None
        else tuple(button_from_payload(b) for b in payload["buttons"]),
    )


def _payload_embeds(payload: dict[str, Any]) -> tuple[dict[str, Any], ...]:
    """A payload's embeds: `embeds`, or `embed` in one stored before there could be several."""
    return embeds_from_json(payload["embeds"] if "embeds" in payload else payload.get("embed"))
