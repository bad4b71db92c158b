"""Discord's precedence for command permission overrides (bot/command_access/rules.py), the
payload it reads them from, and the per-server cache with its fallback."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.command_access.cache import CommandAccessCache
from bot.command_access.rules import (
    ADMINISTRATOR,
    Asker,
    CommandFacts,
    Overrides,
    PermissionRule,
    RuleKind,
    Verdict,
    all_channels_id,
    decide,
    parse_overrides,
)

GUILD = 1000
APP = 7
POLL = 70
OTHER_COMMAND = 71
MODS, FANS = 11, 12
MEMBER = 500
HERE, ELSEWHERE, THREAD = 20, 21, 22
MANAGE_GUILD = 1 << 5

ROLE, USER, CHANNEL = RuleKind.ROLE, RuleKind.USER, RuleKind.CHANNEL
EVERYONE = GUILD


def rule(target: int, kind: RuleKind, allowed: bool) -> PermissionRule:
    return PermissionRule(target, kind, allowed)


def asker(
    *roles: int, permissions: int = 0, channel: int = HERE, parent: int | None = None
) -> Asker:
    return Asker(MEMBER, frozenset(roles), permissions, channel, parent)


def verdict(
    overrides: Overrides,
    who: Asker | None = None,
    *,
    default: int | None = None,
) -> Verdict:
    return decide(
        guild_id=GUILD,
        application_id=APP,
        command=CommandFacts(POLL, default),
        asker=who or asker(),
        overrides=overrides,
    )


ALLOWED, CHANNEL_OFF, NOT_PERMITTED = Verdict.ALLOWED, Verdict.CHANNEL_OFF, Verdict.NOT_PERMITTED


# -- no overrides: default_member_permissions ---------------------------------------------------


def test_without_overrides_or_default_everyone_may():
    assert verdict({}) is ALLOWED


def test_the_default_needs_every_bit_and_zero_lets_nobody():
    assert verdict({}, asker(permissions=MANAGE_GUILD), default=MANAGE_GUILD) is ALLOWED
    assert verdict({}, asker(permissions=0), default=MANAGE_GUILD) is NOT_PERMITTED
    assert verdict({}, asker(permissions=MANAGE_GUILD), default=MANAGE_GUILD | 1) is NOT_PERMITTED
    assert verdict({}, asker(permissions=MANAGE_GUILD), default=0) is NOT_PERMITTED


def test_an_administrator_passes_every_rule():
    admin = asker(MODS, permissions=ADMINISTRATOR)
    denied_everywhere = {
        POLL: (rule(MEMBER, USER, False), rule(all_channels_id(GUILD), CHANNEL, False)),
        APP: (rule(EVERYONE, ROLE, False),),
    }
    assert verdict(denied_everywhere, admin, default=0) is ALLOWED


# -- user and roles ------------------------------------------------------------------------------


def test_a_command_restricted_to_a_role():
    restricted = {POLL: (rule(EVERYONE, ROLE, False), rule(FANS, ROLE, True))}
    assert verdict(restricted, asker()) is NOT_PERMITTED
    assert verdict(restricted, asker(FANS)) is ALLOWED


def test_the_member_rule_wins_over_their_roles():
    assert verdict({POLL: (rule(FANS, ROLE, True), rule(MEMBER, USER, False))}, asker(FANS)) is (
        NOT_PERMITTED
    )
    assert verdict({POLL: (rule(FANS, ROLE, False), rule(MEMBER, USER, True))}, asker(FANS)) is (
        ALLOWED
    )


def test_one_role_allowing_is_enough_against_role_denials():
    mixed = {POLL: (rule(MODS, ROLE, False), rule(FANS, ROLE, True))}
    assert verdict(mixed, asker(MODS, FANS)) is ALLOWED
    assert verdict(mixed, asker(MODS)) is NOT_PERMITTED


def test_role_rules_for_roles_the_member_lacks_fall_through_to_everyone():
    overrides = {POLL: (rule(MODS, ROLE, False), rule(EVERYONE, ROLE, True))}
    assert verdict(overrides, asker(FANS)) is ALLOWED
    assert verdict({POLL: (rule(MODS, ROLE, True),)}, asker(FANS)) is ALLOWED  # default: none


def test_a_command_level_allow_overrides_the_default_permissions():
    assert verdict({POLL: (rule(FANS, ROLE, True),)}, asker(FANS), default=MANAGE_GUILD) is (
        ALLOWED
    )
    assert verdict({POLL: (rule(EVERYONE, ROLE, True),)}, default=0) is ALLOWED


# -- command level over app level --------------------------------------------------------------


def test_app_level_rules_apply_to_commands_without_their_own():
    app_only_fans = {APP: (rule(EVERYONE, ROLE, False), rule(FANS, ROLE, True))}
    assert verdict(app_only_fans, asker()) is NOT_PERMITTED
    assert verdict(app_only_fans, asker(FANS)) is ALLOWED


def test_an_app_level_allow_still_needs_the_default_permissions():
    overrides = {APP: (rule(FANS, ROLE, True),)}
    assert verdict(overrides, asker(FANS), default=MANAGE_GUILD) is NOT_PERMITTED
    assert verdict(overrides, asker(FANS, permissions=MANAGE_GUILD), default=MANAGE_GUILD) is (
        ALLOWED
    )


def test_a_command_level_rule_overrides_the_app_level():
    overrides = {APP: (rule(EVERYONE, ROLE, False),), POLL: (rule(FANS, ROLE, True),)}
    assert verdict(overrides, asker(FANS)) is ALLOWED
    # The command's rules say nothing of this member: the app level decides.
    assert verdict(overrides, asker(MODS)) is NOT_PERMITTED


def test_another_commands_rules_do_not_apply():
    assert verdict({OTHER_COMMAND: (rule(EVERYONE, ROLE, False),)}) is ALLOWED


# -- channels ----------------------------------------------------------------------------------


def test_a_channel_turned_off_refuses_even_an_allowed_member():
    overrides = {POLL: (rule(HERE, CHANNEL, False), rule(MEMBER, USER, True))}
    assert verdict(overrides, asker(channel=HERE)) is CHANNEL_OFF
    assert verdict(overrides, asker(channel=ELSEWHERE)) is ALLOWED


def test_all_channels_is_guild_id_minus_one_and_a_channel_rule_beats_it():
    only_here = {POLL: (rule(GUILD - 1, CHANNEL, False), rule(HERE, CHANNEL, True))}
    assert verdict(only_here, asker(channel=HERE)) is ALLOWED
    assert verdict(only_here, asker(channel=ELSEWHERE)) is CHANNEL_OFF


def test_a_command_level_channel_rule_overrides_the_app_level_one():
    overrides = {APP: (rule(HERE, CHANNEL, False),), POLL: (rule(GUILD - 1, CHANNEL, True),)}
    assert verdict(overrides, asker(channel=HERE)) is ALLOWED
    assert verdict({APP: (rule(HERE, CHANNEL, False),)}, asker(channel=HERE)) is CHANNEL_OFF


def test_a_thread_follows_its_parent_channel():
    overrides = {POLL: (rule(HERE, CHANNEL, False),)}
    assert verdict(overrides, asker(channel=THREAD, parent=HERE)) is CHANNEL_OFF
    assert verdict(overrides, asker(channel=THREAD, parent=ELSEWHERE)) is ALLOWED


def test_an_allowed_channel_does_not_allow_the_member():
    overrides = {POLL: (rule(HERE, CHANNEL, True), rule(EVERYONE, ROLE, False))}
    assert verdict(overrides, asker(channel=HERE)) is NOT_PERMITTED


# -- the payload -------------------------------------------------------------------------------


def test_parse_reads_discords_payload_and_skips_unknown_types():
    payload = [
        {
            "id": str(POLL),
            "application_id": str(APP),
            "guild_id": str(GUILD),
            "permissions": [
                {"id": str(FANS), "type": 1, "permission": True},
                {"id": str(MEMBER), "type": 2, "permission": False},
                {"id": str(HERE), "type": 3, "permission": False},
                {"id": "9", "type": 99, "permission": True},
            ],
        },
        {"id": str(APP), "application_id": str(APP), "guild_id": str(GUILD), "permissions": []},
    ]
    assert parse_overrides(payload) == {
        POLL: (rule(FANS, ROLE, True), rule(MEMBER, USER, False), rule(HERE, CHANNEL, False)),
        APP: (),
    }
    with pytest.raises(ValueError, match="expected a list"):
        parse_overrides({"message": "Missing Access"})


# -- the cache and its fallback ----------------------------------------------------------------


class FakeClock:
    def __init__(self) -> None:
        self.seconds = 0.0

    def now(self) -> datetime:
        return datetime.fromtimestamp(1_800_000_000 + self.seconds, UTC)

    def monotonic(self) -> float:
        return self.seconds


class Reader:
    def __init__(self, *answers: Overrides | None) -> None:
        self.answers = list(answers)
        self.calls = 0

    async def __call__(self) -> Overrides | None:
        self.calls += 1
        return self.answers.pop(0)


RESTRICTED: Overrides = {POLL: (rule(EVERYONE, ROLE, False),)}
OPEN: Overrides = {}


async def test_overrides_are_read_once_a_minute_per_server():
    clock = FakeClock()
    cache = CommandAccessCache(clock)
    read = Reader(RESTRICTED, OPEN)
    assert await cache.overrides(GUILD, read) == RESTRICTED
    clock.seconds = 59
    assert await cache.overrides(GUILD, read) == RESTRICTED
    assert read.calls == 1
    clock.seconds = 61  # an admin's change shows within a minute
    assert await cache.overrides(GUILD, read) == OPEN
    assert read.calls == 2
    other = Reader(OPEN)
    assert await cache.overrides(GUILD + 1, other) == OPEN
    assert other.calls == 1


async def test_a_failed_read_falls_back_to_the_default_and_is_retried_soon():
    clock = FakeClock()
    cache = CommandAccessCache(clock)
    read = Reader(None, RESTRICTED)
    fallback = await cache.overrides(GUILD, read)
    assert fallback == {}
    # With no overrides known, only the command's default_member_permissions decide.
    assert verdict(fallback, asker(permissions=0), default=MANAGE_GUILD) is NOT_PERMITTED
    assert verdict(fallback, asker(permissions=0)) is ALLOWED
    clock.seconds = 10
    assert await cache.overrides(GUILD, read) == {}
    assert read.calls == 1  # not at every click while Discord fails
    clock.seconds = 16
    assert await cache.overrides(GUILD, read) == RESTRICTED


async def test_a_failed_read_keeps_a_restriction_already_known():
    clock = FakeClock()
    cache = CommandAccessCache(clock)
    read = Reader(RESTRICTED, None, OPEN)
    assert await cache.overrides(GUILD, read) == RESTRICTED
    clock.seconds = 61
    assert await cache.overrides(GUILD, read) == RESTRICTED  # Discord failed: the last answer
    assert read.calls == 2
    clock.seconds = 70
    assert await cache.overrides(GUILD, read) == RESTRICTED  # not retried at every click
    clock.seconds = 77
    assert await cache.overrides(GUILD, read) == OPEN
    assert read.calls == 3


async def test_forget_reads_a_servers_overrides_again_at_the_next_click():
    cache = CommandAccessCache(FakeClock())
    read = Reader(RESTRICTED, OPEN)
    await cache.overrides(GUILD, read)
    cache.forget(GUILD)
    assert await cache.overrides(GUILD, read) == OPEN
    failing = Reader(RESTRICTED, None)
    await cache.overrides(GUILD + 1, failing)
    cache.forget(GUILD + 1)
    assert await cache.overrides(GUILD + 1, failing) == RESTRICTED  # kept while the read fails
