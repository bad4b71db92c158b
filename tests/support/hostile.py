"""Hostile input for the every-command fuzz test (tests/integration/test_every_command_fuzz.py).

Three parts, none specific to one command:
- `leaf_commands`: every slash command and subcommand, read from the payloads the bot synced;
- hypothesis strategies that fill an option with hostile values fitted to its declared type,
  length, range and choices (what Discord itself would let a member send);
- `WriteLog`: which tables the bot wrote during one interaction, from TEMP triggers on the bot's
  own writer connection (a TEMP trigger fires only for the connection that created it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st

from bot.storage.database import Database

Json = dict[str, Any]

SUB_COMMAND, SUB_COMMAND_GROUP, STRING, INTEGER, BOOLEAN = 1, 2, 3, 4, 5
USER, CHANNEL, ROLE, MENTIONABLE, NUMBER = 6, 7, 8, 9, 10
# What a string option may hold when the command declares no max_length (Discord's own limit).
DISCORD_STRING_LIMIT = 6000
MAX_SAFE_INTEGER = 2**53

SQL = ["'; DROP TABLE polls;--", '" OR 1=1 --', "1; DELETE FROM watch_parties", "%", "_", "\\"]
MENTIONS = ["@everyone", "@here", "<@1>", "<@!1>", "<@&1>", "<#1>", "@\u200beveryone"]
INVISIBLE = [
    "\u200b",
    "\u200b\u200c\u200d\ufeff",
    "\u202eevil\u202c",
    "\u200f\u05e9\u05dc\u05d5\u05dd",
]
MARKDOWN = [
    "**bold** __under__ ~~strike~~ ||spoiler||",
    "```py\nprint('hi')\n```",
    "```",
    "`",
    "> quote\n# Heading",
    "[link](https://example.invalid/@everyone)",
    "<t:99999999999999:F>",
]
TIMES = [
    "31/02",
    "2026-02-31 20:00",
    "25:00",
    "24:60",
    "tomorrow tomorrow",
    "fri 8pm Mars/Olympus",
    "fri 8pm Not/AZone",
    "UTC+99",
    "every 0 days",
    "every -1 weeks",
    "-1h",
    "0m, 0m",
    "99999999999999999999d",
]
NUMBERS = ["-1", "0", "11", "1e309", "NaN", "inf", "99999999999999999999", "-9223372036854775809"]
ODD = [
    "",
    " ",
    "\n\n",
    "\t",
    "\x00",
    "a\x00b",
    "\U0001f600\U0001f389\U0001f468\u200d\U0001f469\u200d\U0001f467",
    "\U0001f1f0\U0001f1f7",
    "%s%s%n",
    "{0}{name}",
    "${jndi:ldap://x}",
    "../../etc/passwd",
    "<script>alert(1)</script>",
    "Asia/Seoul\n@everyone",
]
HOSTILE_TEXTS: tuple[str, ...] = tuple(
    SQL + MENTIONS + INVISIBLE + MARKDOWN + TIMES + NUMBERS + ODD
)
# Plausible values, so that a command also gets past its first check with hostile text elsewhere.
BENIGN_TEXTS = (
    "Frieren",
    "Goblin",
    "Crash Landing on You",
    "fri 8pm",
    "tomorrow 9pm",
    "Asia/Seoul",
    "1-2",
    "1h",
    "30m, 1h",
    "every week",
    "3",
    "What next?",
)

# What members usually type into options of these names (a new option falls back to the above).
PLAUSIBLE_BY_NAME: dict[str, tuple[str, ...]] = {
    "when": ("fri 8pm", "tomorrow 9pm", "sat 21:00"),
    "zone": ("Asia/Seoul", "UTC", "Europe/Berlin"),
    "duration": ("1h", "2d", "30m"),
    "episodes": ("1-2", "3"),
    "repeat": ("every week", "weekly"),
    "until": ("2027-06-01",),
    "offset": ("30m", "1h"),
    "where": ("https://example.com/watch",),
    "lead_times": ("30m, 1h", "1d"),
    "titles": ("Goblin, Frieren, Signal, Vincenzo",),
    "question": ("What next?",),
    "note": ("Bring snacks",),
    "name": ("Frieren", "Goblin", "Winter cup"),
    "title": ("Frieren", "Goblin", "Crash Landing on You"),
    "option": ("Frieren", "Goblin", "Signal", "Vincenzo"),
    "like": ("Frieren",),
    "slowburn": ("Goblin",),
    "fantasy": ("Frieren",),
}

_hostile_piece = st.one_of(
    st.sampled_from(HOSTILE_TEXTS), st.sampled_from(BENIGN_TEXTS), st.text(max_size=12)
)
hostile_text: st.SearchStrategy[str] = st.one_of(
    st.sampled_from(HOSTILE_TEXTS),
    st.lists(_hostile_piece, min_size=2, max_size=4).map(" ".join),
    st.text(max_size=40),
)


def fit(text: str, low: int, high: int) -> str:
    """`text` cut or padded to what Discord lets through for a field of `low`..`high` chars."""
    text = text[:high]
    if len(text) < low:
        text = (text + "x" * low)[: max(low, len(text))]
    return text


def _long_texts(high: int) -> st.SearchStrategy[str]:
    """The longest value the field takes, made of hostile pieces (mentions, fences, SQL)."""
    return st.sampled_from(
        ["x", "@everyone ", "```", "'; DROP TABLE polls;--", "\u200b", "😀"]
    ).map(lambda piece: (piece * (high // len(piece) + 1))[:high])


def text_for(low: int, high: int) -> st.SearchStrategy[str]:
    return st.one_of(
        hostile_text, hostile_text, st.sampled_from(BENIGN_TEXTS), _long_texts(high)
    ).map(lambda text: fit(text, low, high))


@dataclass(frozen=True)
class Leaf:
    """One command a member can type, e.g. `watchparty schedule`, with its option schemas."""

    path: str
    options: tuple[Json, ...]
    command: Json

    @property
    def dm_allowed(self) -> bool:
        contexts = self.command.get("contexts")
        return self.command.get("dm_permission") is not False and (
            contexts is None or 1 in contexts
        )

    @property
    def needs_permissions(self) -> bool:
        return self.command.get("default_member_permissions") not in (None, "0")

    def option(self, name: str) -> Json:
        return next(o for o in self.options if o["name"] == name)


def leaf_commands(synced: Sequence[Json]) -> list[Leaf]:
    """Every slash command and subcommand the bot synced (chat input commands only)."""
    leaves: list[Leaf] = []

    def walk(command: Json, names: list[str], options: Sequence[Json]) -> None:
        subs = [o for o in options if o["type"] in (SUB_COMMAND, SUB_COMMAND_GROUP)]
        if not subs:
            leaves.append(Leaf(" ".join(names), tuple(options), command))
        for sub in subs:
            walk(command, [*names, sub["name"]], list(sub.get("options") or []))

    for command in synced:
        if command.get("type", 1) == 1:
            walk(command, [command["name"]], list(command.get("options") or []))
    return sorted(leaves, key=lambda leaf: leaf.path)


@dataclass
class Targets:
    """The world's things an option can name: this server's, and another server's ids."""

    members: Sequence[Any]
    strangers: Sequence[Any]  # users who are not members of the server acting
    channels: Sequence[Any]
    roles: Sequence[Any]
    own_ids: list[int] = field(default_factory=list)
    foreign_ids: list[int] = field(default_factory=list)


def integer_values(option: Json, targets: Targets) -> st.SearchStrategy[int]:
    """Boundaries Discord lets through, random values in range, and objects' ids (ours and
    another server's) when they fit the declared range."""
    low = int(option.get("min_value", -MAX_SAFE_INTEGER))
    high = int(option.get("max_value", MAX_SAFE_INTEGER))
    edges = {low, high, min(low + 1, high), max(high - 1, low), max(low, min(0, high))}
    ids = [i for i in [*targets.own_ids, *targets.foreign_ids] if low <= i <= high]
    foreign = [i for i in targets.foreign_ids if low <= i <= high]
    parts: list[st.SearchStrategy[int]] = [
        st.sampled_from(sorted(edges)),
        st.integers(low, high),
    ]
    if ids:
        parts.append(st.sampled_from(ids))
    if foreign:
        parts.append(st.sampled_from(foreign))
    return st.one_of(parts)


def option_values(option: Json, targets: Targets) -> st.SearchStrategy[Any]:
    """What a member could put into this option through Discord's client."""
    kind = option["type"]
    choices = [c["value"] for c in option.get("choices") or []]
    if choices:
        return st.sampled_from(choices)
    if kind == STRING:
        return text_for(int(option.get("min_length", 0)), int(option.get("max_length", 6000)))
    if kind in (INTEGER, NUMBER):
        return integer_values(option, targets)
    if kind == BOOLEAN:
        return st.booleans()
    if kind == USER:
        return st.sampled_from([*targets.members, *targets.strangers])
    if kind == MENTIONABLE:
        return st.sampled_from([*targets.members, *targets.roles])
    if kind == CHANNEL:
        allowed = option.get("channel_types")
        channels = [c for c in targets.channels if not allowed or c.type in allowed]
        return st.sampled_from(channels)
    if kind == ROLE:
        return st.sampled_from(list(targets.roles))
    raise AssertionError(f"option {option['name']!r} has a type the fuzz does not know: {kind}")


def plausible_values(option: Json, targets: Targets) -> st.SearchStrategy[Any]:
    """A value a member would usually type, so the command gets past its first checks."""
    if option["type"] != STRING or option.get("choices"):
        return option_values(option, targets)
    low, high = int(option.get("min_length", 0)), int(option.get("max_length", 6000))
    name = option["name"].rstrip("0123456789")
    pool = PLAUSIBLE_BY_NAME.get(name, BENIGN_TEXTS)
    return st.sampled_from(pool).map(lambda text: fit(text, low, high))


def command_inputs(
    leaf: Leaf, targets: Targets, draw: Callable[[st.SearchStrategy[Any]], Any]
) -> dict[str, Any]:
    """Every required option and some optional ones. Half the inputs are hostile in every
    option; the other half in one option only, the rest plausible, to reach deeper checks."""
    given: dict[str, Any] = {}
    names = [option["name"] for option in leaf.options]
    hostile = (
        set(names) if draw(st.booleans()) else {draw(st.sampled_from(names))} if names else set()
    )
    for option in leaf.options:
        name = option["name"]
        if option.get("required") or name in hostile or draw(st.booleans()):
            values = option_values if name in hostile else plausible_values
            given[name] = draw(values(option, targets))
    return given


def autocomplete_options(leaves: Sequence[Leaf]) -> Iterator[tuple[Leaf, Json]]:
    for leaf in leaves:
        for option in leaf.options:
            if option.get("autocomplete"):
                yield leaf, option


def modal_text_fields(modal: Mapping[str, Any]) -> list[Json]:
    """The text inputs of a modal payload, in action rows or labels."""
    found: list[Json] = []
    for row in modal.get("components") or []:
        for item in [*(row.get("components") or []), row.get("component") or {}]:
            if item.get("type") == 4:
                found.append(item)
    return found


# Tables whose writes are the bot's own bookkeeping, not the member's data: the timers and the
# outbox (delivery, with the scheduled events it mirrors), and caches of title metadata.
BOOKKEEPING = frozenset(
    {
        "timers",
        "timers_v3",
        "outbox",
        "outbox_v4",
        "outbox_files",
        "supersede_versions",
        "message_keys",
        "scheduled_events",
        "event_mirroring",
        "title_cache",
        "search_cache",
        "bot_meta",
    }
)


class WriteLog:
    """Which tables the bot writes, recorded by TEMP triggers on its writer connection."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self.tables: list[str] = []

    async def install(self) -> None:
        async with self._db.exclusive_writer() as writer:
            rows = await writer.execute_fetchall(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
            self.tables = sorted(str(row[0]) for row in rows)
            await writer.execute("CREATE TEMP TABLE fuzz_writes (tbl TEXT NOT NULL)")
            for table in self.tables:
                for event in ("INSERT", "UPDATE", "DELETE"):
                    await writer.execute(
                        f'CREATE TEMP TRIGGER "fuzz_{table}_{event}" AFTER {event} ON "{table}" '
                        f"BEGIN INSERT INTO fuzz_writes VALUES ('{table}'); END"
                    )

    async def take(self) -> set[str]:
        """The tables written since the last take (committed or still open), and forget them."""
        async with self._db.exclusive_writer() as writer:
            rows = await writer.execute_fetchall("SELECT DISTINCT tbl FROM temp.fuzz_writes")
            await writer.execute("DELETE FROM temp.fuzz_writes")
        return {str(row[0]) for row in rows}
