"""The sandbox's pure parts: world building, permissions, ids, message rules, transcript text."""

from __future__ import annotations

import pytest

from sandbox import ALL_PERMISSIONS, MANAGE_GUILD, Transcript, TranscriptEntry, World
from sandbox.errors import ApiError
from sandbox.faults import route_pattern
from sandbox.ids import DISCORD_EPOCH_MS, Snowflakes, snowflake_time
from sandbox.message_rules import assign_component_ids, resolve_pings, validate_message
from sandbox.permissions import ADMINISTRATOR, VIEW_CHANNEL


def test_default_world_has_the_club() -> None:
    world = World.default()
    club = world.guild("K-Drama Club")
    assert world.bot.username == "watchclub"
    assert world.bot.bot
    assert world.application_id == world.bot.id
    assert [c.name for c in club.channels] == ["general", "watch-parties"]
    assert [c.position for c in club.channels] == [0, 1]
    assert club.everyone_role.id == club.id
    assert {m.username for m in club.members} == {"watchclub", "mina", "jun", "sora"}
    assert club.role("Watch Party").mentionable
    assert club.member("jun").roles == [club.role("Watch Party")]


def test_member_permissions_are_computed_like_discord() -> None:
    world = World()
    guild = world.add_guild("Club")
    plain = guild.add_member("plain")
    admin = guild.add_member("admin", permissions=MANAGE_GUILD)
    boss = guild.add_member("boss", owner=True)
    root = guild.add_member("root", roles=[guild.add_role("Admin", permissions=ADMINISTRATOR)])
    assert plain.permissions & VIEW_CHANNEL
    assert not plain.permissions & MANAGE_GUILD
    assert admin.permissions & MANAGE_GUILD
    assert not admin.is_owner
    assert boss.is_owner
    assert guild.owner_id == boss.id
    assert boss.permissions == ALL_PERMISSIONS == root.permissions
    # The extra bits live on a role of the member's own, so the gateway cache agrees.
    assert any(r.permissions == MANAGE_GUILD for r in admin.roles)


def test_lookups_name_what_exists() -> None:
    club = World.default().guild("K-Drama Club")
    with pytest.raises(KeyError, match="members: watchclub, mina, jun, sora"):
        club.member("nobody")
    assert club.channel("#general") is club.channel("general")


def test_id_lookups_see_every_addition_and_direct_list_changes() -> None:
    world = World.default()
    club = world.guild("K-Drama Club")
    other = world.add_guild("Other Club")
    room = other.add_text_channel("room")
    kim = other.add_member("kim")
    role = other.add_role("Mods")
    assert world.find_user(kim.id) is kim.user
    assert world.find_guild(other.id) is other
    assert world.find_channel(room.id) is room
    assert other.find_member(kim.id) is kim
    assert other.find_role(role.id) is role
    assert other.find_role(other.id) is other.everyone_role
    assert world.users_by_id[kim.id] is kim.user
    # Unknown ids, and ids of another guild, stay None as with the scans.
    assert world.find_user("1") is world.find_channel("1") is world.find_guild("1") is None
    assert club.find_channel(room.id) is club.find_member(kim.id) is club.find_role(role.id) is None
    # Tests may change the lists directly, as an admin deleting a channel; lookups follow.
    general = club.channel("general")
    club.channels.remove(general)
    assert world.find_channel(general.id) is club.find_channel(general.id) is None
    club.channels.append(general)
    assert world.find_channel(general.id) is club.find_channel(general.id) is general
    club.members.remove(club.member("sora"))
    later = club.add_member("later")
    assert club.find_member(later.id) is later
    assert club.find_member(world.user("sora").id) is None


def test_snowflakes_increase_and_carry_time() -> None:
    now = [1_700_000_000.0]
    ids = Snowflakes(clock=lambda: now[0])
    first, second = ids.next_int(), ids.next_int()
    assert second > first
    assert snowflake_time(first).timestamp() == pytest.approx(now[0])
    now[0] -= 10  # a clock that goes backwards still yields increasing ids
    assert ids.next_int() > second
    assert (first >> 22) + DISCORD_EPOCH_MS == 1_700_000_000_000


def test_message_limits() -> None:
    validate_message({"content": "x" * 2000}, creating=True)
    with pytest.raises(ApiError) as raised:
        validate_message({"content": "x" * 2001}, creating=True)
    assert raised.value.code == 50035
    assert "content" in (raised.value.errors or {})
    with pytest.raises(ApiError, match="50006"):
        validate_message({"content": ""}, creating=True)
    with pytest.raises(ApiError):
        validate_message({"embeds": [{"title": "t"}] * 11}, creating=True)
    with pytest.raises(ApiError):
        validate_message({"embeds": [{"fields": [{"name": "", "value": "v"}]}]}, creating=True)
    row = {"type": 1, "components": [{"type": 2, "style": 1, "label": "A", "custom_id": "a"}] * 2}
    with pytest.raises(ApiError, match="50035"):
        validate_message({"components": [row]}, creating=True)


def test_components_get_ids_depth_first() -> None:
    numbered = assign_component_ids(
        [{"type": 1, "components": [{"type": 2, "custom_id": "a"}, {"type": 2, "custom_id": "b"}]}]
    )
    assert numbered[0]["id"] == 1
    assert [c["id"] for c in numbered[0]["components"]] == [2, 3]


def test_allowed_mentions_decide_who_is_pinged() -> None:
    content = "<@111111111111111111> <@&222222222222222222> @everyone"
    common = {
        "known_user_ids": {"111111111111111111"},
        "role_mentionable": {"222222222222222222": True},
        "can_mention_everyone": True,
    }
    everything = resolve_pings(content, None, **common)
    assert everything.users
    assert everything.roles
    assert everything.everyone
    nothing = resolve_pings(content, {"parse": []}, **common)
    assert not (nothing.users)
    assert not (nothing.roles)
    assert not (nothing.everyone)
    only_user = resolve_pings(content, {"parse": [], "users": ["111111111111111111"]}, **common)
    assert only_user.users == ("111111111111111111",)
    assert not only_user.everyone
    # discord.py sends these snowflakes as JSON numbers; Discord accepts both forms.
    numeric = resolve_pings(
        content,
        {"parse": [], "users": [111111111111111111], "roles": [222222222222222222]},
        **common,
    )
    assert numeric.users == ("111111111111111111",)
    assert numeric.roles == ("222222222222222222",)


def test_route_templates_match_paths() -> None:
    pattern = route_pattern("/channels/{channel_id}/messages")
    assert pattern.match("/channels/123/messages")
    assert not pattern.match("/channels/123/messages/456")


def test_transcript_humanizes_markup() -> None:
    world = World.default()
    club = world.guild("K-Drama Club")
    transcript = Transcript(world)
    jun = club.member("jun")
    transcript.add(
        TranscriptEntry(
            kind="post",
            where="#general",
            actor="watchclub",
            text=f"{jun.mention} party <t:1767225600:F> in {club.channel('general').mention}",
            embeds=({"title": "Goblin", "fields": [{"name": "Fantasy", "value": "0.91"}]},),
            components=(
                {"type": 1, "components": [{"type": 2, "label": "Join", "custom_id": "j"}]},
            ),
        )
    )
    text = transcript.render()
    assert "[#general] watchclub \u203a @Jun party Thu 01 Jan 2026 00:00 UTC in #general" in text
    assert "\u256d\u2500 Goblin" in text
    assert "\u25b8 Fantasy: 0.91" in text
    assert "[Join]" in text
    assert "\x1b[" not in text
    assert "\x1b[" in transcript.render(color=True)
