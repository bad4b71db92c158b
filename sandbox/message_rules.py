"""Discord's rules for message bodies: limits, component ids, who actually gets pinged, polls.

The limits are the documented ones, enforced the way Discord does (400 code 50035 with a
per-field error tree), so a bot that overflows an embed fails here and not first in production.
"""

from __future__ import annotations

import re
from collections.abc import Container, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sandbox.errors import ApiError, field_error, invalid_form
from sandbox.ids import iso_timestamp

Json = dict[str, Any]

CONTENT_LIMIT = 2000
EMBEDS_LIMIT = 10
EMBED_TOTAL_LIMIT = 6000
EPHEMERAL = 1 << 6
LOADING = 1 << 7
SUPPRESS_NOTIFICATIONS = 1 << 12
IS_COMPONENTS_V2 = 1 << 15

_EMBED_LIMITS = {"title": 256, "description": 4096}
_FIELD_LIMITS = {"name": 256, "value": 1024}
_BUTTON = 2
_LINK_STYLE = 5
_SELECT_TYPES = {3, 5, 6, 7, 8}

_USER_MENTION = re.compile(r"<@!?(\d{15,21})>")
_ROLE_MENTION = re.compile(r"<@&(\d{15,21})>")
_EVERYONE = re.compile(r"@(everyone|here)")


def _too_long(limit: int) -> Json:
    return field_error("BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")


def embed_size(embed: Json) -> int:
    """Characters that count towards the 6000 limit, as Discord counts them."""
    total = len(str(embed.get("title") or "")) + len(str(embed.get("description") or ""))
    for fld in embed.get("fields") or []:
        total += len(str(fld.get("name") or "")) + len(str(fld.get("value") or ""))
    total += len(str((embed.get("footer") or {}).get("text") or ""))
    total += len(str((embed.get("author") or {}).get("name") or ""))
    return total


def _embed_errors(embed: Json) -> Json:
    errors: Json = {}
    for key, limit in _EMBED_LIMITS.items():
        if len(str(embed.get(key) or "")) > limit:
            errors[key] = _too_long(limit)
    fields = embed.get("fields") or []
    if len(fields) > 25:
        errors["fields"] = _too_long(25)
    field_errors: Json = {}
    for index, fld in enumerate(fields):
        one: Json = {}
        for key, limit in _FIELD_LIMITS.items():
            value = fld.get(key)
            if value is None or str(value) == "":
                one[key] = field_error("BASE_TYPE_REQUIRED", "This field is required")
            elif len(str(value)) > limit:
                one[key] = _too_long(limit)
        if one:
            field_errors[str(index)] = one
    if field_errors and "fields" not in errors:
        errors["fields"] = field_errors
    footer = embed.get("footer") or {}
    if len(str(footer.get("text") or "")) > 2048:
        errors["footer"] = {"text": _too_long(2048)}
    author = embed.get("author") or {}
    if len(str(author.get("name") or "")) > 256:
        errors["author"] = {"name": _too_long(256)}
    return errors


def _component_errors(components: list[Json], flags: int) -> Json:
    errors: Json = {}
    v2 = bool(flags & IS_COMPONENTS_V2)
    if not v2 and len(components) > 5:
        return {"components": _too_long(5)}
    seen_ids: set[str] = set()
    for row_index, row in enumerate(components):
        row_errors: Json = {}
        children = row.get("components") or [] if row.get("type") == 1 else []
        if row.get("type") == 1:
            if len(children) > 5:
                row_errors["components"] = _too_long(5)
            if any(c.get("type") in _SELECT_TYPES for c in children) and len(children) > 1:
                row_errors["components"] = field_error(
                    "COMPONENT_LAYOUT_WIDTH_EXCEEDED",
                    "The specified component exceeds the maximum width",
                )
        child_errors: Json = {}
        for child_index, child in enumerate(children):
            problems = _single_component_errors(child, seen_ids)
            if problems:
                child_errors[str(child_index)] = problems
        if child_errors and "components" not in row_errors:
            row_errors["components"] = child_errors
        if row_errors:
            errors[str(row_index)] = row_errors
    return {"components": errors} if errors else {}


def _single_component_errors(component: Json, seen_ids: set[str]) -> Json:
    problems: Json = {}
    custom_id = component.get("custom_id")
    if component.get("type") == _BUTTON:
        if len(str(component.get("label") or "")) > 80:
            problems["label"] = _too_long(80)
        if component.get("style") == _LINK_STYLE:
            if not component.get("url"):
                problems["url"] = field_error("BASE_TYPE_REQUIRED", "This field is required")
        elif custom_id is None:
            problems["custom_id"] = field_error(
                "BUTTON_COMPONENT_CUSTOM_ID_REQUIRED", "A custom id is required"
            )
    if component.get("type") in _SELECT_TYPES:
        options = component.get("options") or []
        if len(options) > 25:
            problems["options"] = _too_long(25)
        if len(str(component.get("placeholder") or "")) > 150:
            problems["placeholder"] = _too_long(150)
    if custom_id is not None:
        if len(str(custom_id)) > 100:
            problems["custom_id"] = _too_long(100)
        elif custom_id in seen_ids:
            problems["custom_id"] = field_error(
                "COMPONENT_CUSTOM_ID_DUPLICATED", "Component custom id cannot be duplicated"
            )
        seen_ids.add(str(custom_id))
    return problems


def _allowed_mentions_errors(allowed: Json) -> Json:
    errors: Json = {}
    parse = allowed.get("parse") or []
    for kind in ("users", "roles"):
        if kind in parse and allowed.get(kind):
            errors[kind] = field_error(
                "MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE",
                f'parse:["{kind}"] and {kind}: [ids...] are mutually exclusive.',
            )
    return {"allowed_mentions": errors} if errors else {}


def _poll_errors(poll: Json) -> Json:
    errors: Json = {}
    question = str((poll.get("question") or {}).get("text") or "")
    if not question:
        errors["question"] = {"text": field_error("BASE_TYPE_REQUIRED", "This field is required")}
    elif len(question) > 300:
        errors["question"] = {"text": _too_long(300)}
    answers = poll.get("answers") or []
    if not 1 <= len(answers) <= 10:
        errors["answers"] = field_error(
            "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 10 in length."
        )
    else:
        answer_errors: Json = {}
        for index, answer in enumerate(answers):
            text = str((answer.get("poll_media") or {}).get("text") or "")
            if not text or len(text) > 55:
                answer_errors[str(index)] = {"poll_media": {"text": _too_long(55)}}
        if answer_errors:
            errors["answers"] = answer_errors
    duration = poll.get("duration", 24)
    if not 1 <= float(duration) <= 768:
        errors["duration"] = field_error(
            "NUMBER_TYPE_MAX", "int value should be less than or equal to 768."
        )
    return {"poll": errors} if errors else {}


def validate_message(body: Json, *, creating: bool, file_count: int = 0) -> None:
    """Raise the ApiError Discord would answer for this create/edit body, if any."""
    errors: Json = {}
    content = body.get("content")
    if content is not None and len(str(content)) > CONTENT_LIMIT:
        errors["content"] = _too_long(CONTENT_LIMIT)
    embeds = body.get("embeds") or []
    if len(embeds) > EMBEDS_LIMIT:
        errors["embeds"] = _too_long(EMBEDS_LIMIT)
    else:
        embed_errors = {str(i): e for i, e in enumerate(map(_embed_errors, embeds)) if e}
        if embed_errors:
            errors["embeds"] = embed_errors
        elif sum(embed_size(e) for e in embeds) > EMBED_TOTAL_LIMIT:
            errors["embeds"] = field_error(
                "MAX_EMBED_SIZE_EXCEEDED", f"Embed size exceeds maximum size of {EMBED_TOTAL_LIMIT}"
            )
    flags = int(body.get("flags") or 0)
    errors.update(_component_errors(body.get("components") or [], flags))
    if body.get("allowed_mentions"):
        errors.update(_allowed_mentions_errors(body["allowed_mentions"]))
    if body.get("poll") is not None:
        errors.update(_poll_errors(body["poll"]))
    nonce = body.get("nonce")
    if isinstance(nonce, str) and len(nonce) > 25:
        errors["nonce"] = _too_long(25)
    if errors:
        raise invalid_form(errors)
    if creating and not (
        content or embeds or body.get("components") or body.get("poll") or file_count
    ):
        raise ApiError(400, 50006, "Cannot send an empty message")


def assign_component_ids(components: list[Json]) -> list[Json]:
    """Discord numbers every component depth-first when the sender did not, and echoes the ids
    (and the components as it stores them)."""
    taken: set[int] = set()

    def collect(items: Iterable[Json]) -> None:
        for item in items:
            if isinstance(item.get("id"), int):
                taken.add(item["id"])
            collect(_children(item))

    collect(components)
    counter = 0

    def number(items: list[Json]) -> list[Json]:
        nonlocal counter
        out: list[Json] = []
        for item in items:
            copy = dict(item)
            if not isinstance(copy.get("id"), int):
                counter += 1
                while counter in taken:
                    counter += 1
                copy["id"] = counter
            if isinstance(copy.get("emoji"), dict):
                # A unicode emoji has no id; Discord echoes it by name alone, not as id null.
                copy["emoji"] = {k: v for k, v in copy["emoji"].items() if v is not None}
            if "components" in copy:
                copy["components"] = number(list(copy["components"]))
            if isinstance(copy.get("component"), dict):
                copy["component"] = number([copy["component"]])[0]
            if isinstance(copy.get("accessory"), dict):
                copy["accessory"] = number([copy["accessory"]])[0]
            out.append(copy)
        return out

    return number(components)


def _children(item: Json) -> list[Json]:
    kids = list(item.get("components") or [])
    for key in ("component", "accessory"):
        if isinstance(item.get(key), dict):
            kids.append(item[key])
    return kids


def walk_components(components: Iterable[Json]) -> Iterable[Json]:
    for item in components:
        yield item
        yield from walk_components(_children(item))


def normalize_embeds(embeds: list[Json]) -> list[Json]:
    out = []
    for embed in embeds:
        copy = {"type": "rich", **embed}
        if "fields" in copy:
            copy["fields"] = [{"inline": False, **f} for f in copy["fields"]]
        out.append(copy)
    return out


@dataclass(frozen=True)
class Pings:
    """Who a message actually notifies once allowed_mentions and permissions are applied."""

    users: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()
    everyone: bool = False


def resolve_pings(
    content: str,
    allowed_mentions: Json | None,
    *,
    known_user_ids: Container[str],
    role_mentionable: dict[str, bool],
    can_mention_everyone: bool,
    replied_user_id: str | None = None,
) -> Pings:
    # No allowed_mentions means Discord's default: parse everything the text mentions.
    parse = (
        {"users", "roles", "everyone"}
        if allowed_mentions is None
        else set(allowed_mentions.get("parse") or [])
    )
    # Snowflakes arrive as JSON numbers (discord.py sends ints here) or strings; both count.
    allowed_users = {str(u) for u in (allowed_mentions or {}).get("users") or []}
    allowed_roles = {str(r) for r in (allowed_mentions or {}).get("roles") or []}
    users: list[str] = []
    for uid in _USER_MENTION.findall(content):
        if (
            uid in known_user_ids
            and uid not in users
            and ("users" in parse or uid in allowed_users)
        ):
            users.append(uid)
    replied_user = True if allowed_mentions is None else bool(allowed_mentions.get("replied_user"))
    if replied_user_id and replied_user and replied_user_id not in users:
        users.append(replied_user_id)
    roles: list[str] = []
    for rid in _ROLE_MENTION.findall(content):
        if rid not in role_mentionable or rid in roles:
            continue
        if not ("roles" in parse or rid in allowed_roles):
            continue
        if role_mentionable[rid] or can_mention_everyone:
            roles.append(rid)
    everyone = bool(_EVERYONE.search(content)) and "everyone" in parse and can_mention_everyone
    return Pings(tuple(users), tuple(roles), everyone)


def build_poll(request: Json, now: datetime) -> Json:
    hours = float(request.get("duration", 24))
    return {
        "question": {"text": request["question"]["text"]},
        "answers": [
            {"answer_id": index, "poll_media": answer["poll_media"]}
            for index, answer in enumerate(request["answers"], start=1)
        ],
        "expiry": iso_timestamp(now + timedelta(hours=hours)),
        "allow_multiselect": bool(request.get("allow_multiselect", False)),
        "layout_type": int(request.get("layout_type", 1)),
        "results": {"is_finalized": False, "answer_counts": []},
    }
