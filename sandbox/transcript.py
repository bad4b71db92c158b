"""A readable log of everything users would have seen, for test failures and `watchclub demo`."""

from __future__ import annotations

import re
import textwrap
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sandbox.world import World

Json = dict[str, Any]

_MENTION = re.compile(r"<(@!?|@&|#)(\d{15,21})>|<t:(-?\d+)(?::([tTdDfFsSR]))?>")
_TIME_FORMATS = {
    "t": "%H:%M UTC",
    "T": "%H:%M:%S UTC",
    "d": "%Y-%m-%d",
    "D": "%d %B %Y",
}
_DEFAULT_TIME_FORMAT = "%a %d %b %Y %H:%M UTC"

# U+203A, a single guillemet: "mina \u203a /help" reads like a chat line.
ARROW = "\u203a"
_RESET = "\x1b[0m"
# Wide enough for a sentence, narrow enough for an 100-column terminal after indentation.
_TEXT_WIDTH = 84
_EMBED_WIDTH = 72
_STYLES = {"bot": "\x1b[36m", "user": "\x1b[33m", "meta": "\x1b[2m", "error": "\x1b[31m"}


@dataclass(frozen=True)
class TranscriptEntry:
    """One user-visible happening. Message content is a snapshot taken when it happened."""

    kind: str
    where: str
    actor: str
    text: str = ""
    embeds: tuple[Json, ...] = ()
    components: tuple[Json, ...] = ()
    attachments: tuple[str, ...] = ()
    poll: Json | None = None
    audience: str | None = None
    note: str | None = None
    pings: tuple[str, ...] = ()
    interaction_id: str | None = None
    message_id: str | None = None
    nested: bool = False
    at: float = field(default_factory=time.time)


class Transcript:
    def __init__(self, world: World) -> None:
        self._world = world
        self.entries: list[TranscriptEntry] = []

    def add(self, entry: TranscriptEntry) -> TranscriptEntry:
        self.entries.append(entry)
        return entry

    def clear(self) -> None:
        self.entries.clear()

    def __str__(self) -> str:
        return self.render()

    def render(self, *, color: bool = False, since: int = 0) -> str:
        painter = _Painter(color)
        lines: list[str] = []
        for entry in self.entries[since:]:
            lines.extend(self._render_entry(entry, painter))
        return "\n".join(lines)

    # -- rendering -------------------------------------------------------------------------

    def _render_entry(self, entry: TranscriptEntry, paint: _Painter) -> list[str]:
        indent = "  " if entry.nested else ""
        where = f"[{entry.where}] " if entry.where and not entry.nested else ""
        actor_style = "bot" if entry.actor == self._world.bot.username else "user"
        actor = paint(actor_style, entry.actor)
        head, body_lines = self._headline(entry, paint, actor)
        lines = [f"{indent}{where}{head}"]
        pad = indent + "    "
        lines.extend(pad + line for line in body_lines)
        return lines

    def _headline(
        self, entry: TranscriptEntry, paint: _Painter, actor: str
    ) -> tuple[str, list[str]]:
        text = self.humanize(entry.text)
        kind = entry.kind
        extras = self._message_body(entry, paint)
        if kind == "command":
            return f"{actor} {ARROW} {text}", []
        if kind in ("click", "select", "modal_submit", "autocomplete", "vote"):
            return f"{actor} {text}", []
        if kind == "thinking":
            audience = self._audience(entry, paint)
            return f"{actor} {audience}{paint('meta', 'is thinking…')}", []
        if kind == "failed":
            return f"{actor} {paint('error', '✗ ' + text)}", []
        if kind in ("event", "thread", "gateway", "delete"):
            plain = kind in ("event", "thread")
            return f"{actor} {text}" if plain else f"{actor} {paint('meta', text)}", []
        if kind == "modal":
            return f"{actor} opens a form {text}", extras
        if kind == "suggestions":
            return f"{actor} suggests: {text}", []
        arrow = ARROW
        label = ""
        if kind == "dm":
            arrow = "→"
            label = f"DM {entry.note}: " if entry.note else "DM: "
        elif kind in ("edit", "update"):
            arrow = "✎"
            label = paint("meta", "(edited) " if kind == "edit" else "(updated the message) ")
        elif kind == "followup":
            label = paint("meta", "(follow-up) ")
        elif kind == "reply" and entry.note:
            label = paint("meta", f"({entry.note}) ")
        audience = self._audience(entry, paint)
        first, *rest = _wrap(text, _TEXT_WIDTH) if text else [""]
        head = f"{actor} {arrow} {audience}{label}{first}".rstrip()
        return head, [*rest, *extras]

    def _audience(self, entry: TranscriptEntry, paint: _Painter) -> str:
        if entry.audience is None:
            return ""
        return paint("meta", f"(only {entry.audience} sees this) ")

    def _message_body(self, entry: TranscriptEntry, paint: _Painter) -> list[str]:
        lines: list[str] = []
        for embed in entry.embeds:
            lines.extend(self._embed_box(embed))
        if entry.poll is not None:
            lines.extend(self._poll_lines(entry.poll))
        for name in entry.attachments:
            lines.append(f"[file: {name}]")
        lines.extend(self._component_lines(entry.components))
        if entry.pings:
            lines.append(paint("meta", "(pings " + ", ".join(entry.pings) + ")"))
        return lines

    def _embed_box(self, embed: Json) -> list[str]:
        title = self.humanize(str(embed.get("title") or ""))
        author = (embed.get("author") or {}).get("name")
        top = "╭─ " + (title or author or "embed") + " "
        lines = [top + "─" * max(3, 40 - len(top))]
        if author and title:
            lines.append(f"│ {self.humanize(str(author))}")
        for chunk in _wrap(self.humanize(str(embed.get("description") or "")), _EMBED_WIDTH):
            lines.append(f"│ {chunk}")
        for fld in embed.get("fields") or []:
            name = self.humanize(str(fld.get("name", "")))
            value = self.humanize(str(fld.get("value", "")))
            value_lines = _wrap(value, _EMBED_WIDTH - 4) or [""]
            if len(value_lines) == 1 and len(name) + len(value) < 70:
                lines.append(f"│ ▸ {name}: {value}")
            else:
                lines.append(f"│ ▸ {name}")
                lines.extend(f"│     {v}" for v in value_lines)
        if embed.get("url"):
            lines.append(f"│ {embed['url']}")
        footer = (embed.get("footer") or {}).get("text")
        if footer:
            lines.append(f"│ — {self.humanize(str(footer))}")
        if embed.get("timestamp"):
            lines.append(f"│ — {embed['timestamp']}")
        lines.append("╰" + "─" * (len(lines[0]) - 1))
        return lines

    def _poll_lines(self, poll: Json) -> list[str]:
        question = (poll.get("question") or {}).get("text", "")
        answers = [
            str((a.get("poll_media") or {}).get("text", "")) for a in poll.get("answers", [])
        ]
        state = "closed" if (poll.get("results") or {}).get("is_finalized") else "open"
        return [f"Poll ({state}): {question}", "  " + " / ".join(f"( ) {a}" for a in answers)]

    def _component_lines(self, components: tuple[Json, ...] | list[Json]) -> list[str]:
        lines: list[str] = []
        for row in components:
            children = row.get("components") if row.get("type") == 1 else [row]
            rendered = [self._component(c) for c in children or []]
            rendered = [r for r in rendered if r]
            if rendered:
                lines.append(" ".join(rendered))
        return lines

    def _component(self, component: Json) -> str:
        kind = component.get("type")
        if kind == 2:
            label = component.get("label") or (component.get("emoji") or {}).get("name") or "…"
            if component.get("style") == 5:
                label += " ↗"
            if component.get("disabled"):
                label += " (disabled)"
            return f"[{label}]"
        if kind in (3, 5, 6, 7, 8):
            options = " | ".join(str(o.get("label")) for o in component.get("options") or [])
            placeholder = component.get("placeholder") or "choose"
            return f"[▾ {placeholder}{': ' + options if options else ''}]"
        if kind == 4:
            return f"[{component.get('label', 'text')}: ____]"
        if kind == 18:
            inner = component.get("component") or {}
            return f"{component.get('label', '')} {self._component(inner)}".strip()
        if kind == 10:
            return self.humanize(str(component.get("content", "")))
        return ""

    def humanize(self, text: str) -> str:
        """Turn Discord markup into what a user reads: names for mentions, dates for <t:…>."""

        def replace(match: re.Match[str]) -> str:
            kind, ident, ts, style = match.groups()
            if ts is not None:
                moment = datetime.fromtimestamp(int(ts), UTC)
                return moment.strftime(_TIME_FORMATS.get(style or "", _DEFAULT_TIME_FORMAT))
            if kind in ("@", "@!"):
                user = self._world.find_user(ident)
                return f"@{user.display_name}" if user else "@unknown-user"
            if kind == "@&":
                for guild in self._world.guilds:
                    role = guild.find_role(ident)
                    if role is not None:
                        return f"@{role.name}"
                return "@deleted-role"
            channel = self._world.find_channel(ident)
            return f"#{channel.name}" if channel else "#unknown-channel"

        return _MENTION.sub(replace, text)


class _Painter:
    def __init__(self, enabled: bool) -> None:
        self._enabled = enabled

    def __call__(self, style: str, text: str) -> str:
        if not self._enabled or not text:
            return text
        return f"{_STYLES[style]}{text}{_RESET}"


def _wrap(text: str, width: int) -> list[str]:
    """Wrap each line of `text`, keeping the author's own line breaks."""
    out: list[str] = []
    if not text:
        return out
    for line in text.split("\n"):
        out.extend(textwrap.wrap(line, width, break_on_hyphens=False) or [""])
    return out
