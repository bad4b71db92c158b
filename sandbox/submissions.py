"""What a user puts into components: entity-select values and filled-in modal fields."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sandbox.payloads import member_payload, role_payload, user_payload
from sandbox.world import ChannelSpec, GuildSpec, MemberSpec, RoleSpec, UserSpec

Json = dict[str, Any]


def entity_values(
    guild: GuildSpec | None, values: Sequence[Any]
) -> tuple[list[str], Json, list[str]]:
    """User/role/channel select choices as Discord sends them: ids, `resolved`, and names."""
    ids: list[str] = []
    names: list[str] = []
    resolved: Json = {}
    for value in values:
        if isinstance(value, MemberSpec):
            value = value.user
        if isinstance(value, UserSpec):
            resolved.setdefault("users", {})[value.id] = user_payload(value)
            m = guild.find_member(value.id) if guild else None
            if m is not None:
                resolved.setdefault("members", {})[value.id] = member_payload(
                    m, with_user=False, with_permissions=True
                )
            ids.append(value.id)
            names.append(f"@{value.username}")
        elif isinstance(value, RoleSpec):
            resolved.setdefault("roles", {})[value.id] = role_payload(value)
            ids.append(value.id)
            names.append(f"@{value.name}")
        elif isinstance(value, ChannelSpec):
            resolved.setdefault("channels", {})[value.id] = {
                "id": value.id,
                "name": value.name,
                "type": value.type,
                "permissions": "0",
                "flags": 0,
            }
            ids.append(value.id)
            names.append(f"#{value.name}")
        else:
            raise ValueError(
                f"entity select values must be Member/User/Role/ChannelSpec; got {value!r}"
            )
    return ids, resolved, names


def fill_modal(
    components: list[Json], values: Mapping[str, str | Sequence[str]]
) -> tuple[list[Json], str]:
    remaining = dict(values)
    shown: list[str] = []

    def fill(item: Json) -> Json:
        kind = item.get("type")
        if kind == 1:
            return {
                "type": 1,
                "id": item["id"],
                "components": [fill(c) for c in item.get("components") or []],
            }
        if kind == 18:
            return {"type": 18, "id": item["id"], "component": fill(item["component"])}
        custom_id = item.get("custom_id")
        if custom_id is None:
            return {"type": kind, "id": item["id"]}
        value = remaining.pop(custom_id, None)
        if kind == 4:
            text = "" if value is None else str(value)
            if item.get("required", True) and not text:
                raise ValueError(f"modal field {custom_id!r} is required")
            low, high = item.get("min_length", 0), item.get("max_length", 4000)
            if text and not low <= len(text) <= high:
                raise ValueError(
                    f"modal field {custom_id!r} must be {low}-{high} characters; got {len(text)}"
                )
            shown.append(f"{custom_id}={text!r}")
            return {"type": 4, "id": item["id"], "custom_id": custom_id, "value": text}
        chosen = (
            []
            if value is None
            else ([value] if isinstance(value, str) else [str(v) for v in value])
        )
        if item.get("required", True) and not chosen:
            raise ValueError(f"modal field {custom_id!r} is required")
        shown.append(f"{custom_id}={chosen}")
        return {"type": kind, "id": item["id"], "custom_id": custom_id, "values": chosen}

    filled = [fill(c) for c in components]
    if remaining:
        raise ValueError(f"the modal has no field(s) {', '.join(map(repr, remaining))}")
    return filled, ", ".join(shown)
