"""Whatever a member types into an option, the bot answers clearly and pings nobody."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sandbox import Sandbox

HOSTILE = st.sampled_from(
    ["@everyone", "@here", "<@1>", "<@&1>", "`", "**", "\u200b", "a" * 300, "Asia/Seoul\n@everyone"]
)
TYPED = st.one_of(
    st.text(min_size=1, max_size=120),
    st.lists(st.one_of(HOSTILE, st.text(max_size=10)), min_size=1, max_size=4).map(" ".join),
).filter(lambda text: text.strip())

FUZZ = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _assert_safe_answer(result, mentionable_text: str) -> None:
    assert result.ephemeral
    assert "error code" not in (result.content or "")
    message = result.message
    assert message is not None
    assert not message.mention_everyone
    assert message.mentions == []
    assert message.mention_roles == []


@pytest.mark.parametrize(
    ("command", "option"),
    [("config timezone", "zone"), ("config reminders", "lead_times"), ("timezone", "zone")],
)
@FUZZ
@given(typed=TYPED)
async def test_free_text_options_any_text(bot, sandbox: Sandbox, world, command, option, typed):
    guild = world.guild("K-Drama Club")
    result = await sandbox.slash(
        command,
        member=guild.member("mina"),
        channel=guild.channel("general"),
        options={option: typed},
    )
    _assert_safe_answer(result, typed)


@FUZZ
@given(typed=st.text(max_size=100))
async def test_timezone_autocomplete_any_text(bot, sandbox: Sandbox, world, typed):
    guild = world.guild("K-Drama Club")
    choices = await sandbox.autocomplete(
        "config timezone",
        member=guild.member("mina"),
        channel=guild.channel("general"),
        options={"zone": typed},
        focused="zone",
    )
    assert len(choices) <= 25
    assert all(1 <= len(choice["name"]) <= 100 for choice in choices)


@pytest.mark.parametrize("option", ["when", "episodes", "where", "note", "repeat", "until"])
@FUZZ
@given(typed=TYPED.map(lambda text: text[:20]).filter(lambda text: text.strip()))
async def test_watchparty_schedule_options_any_text(bot, sandbox: Sandbox, world, option, typed):
    """A preview or a clear refusal, privately, never a ping and never an error code."""
    guild = world.guild("K-Drama Club")
    options = {"title": "Goblin", "when": "fri 8pm KST", option: typed}
    result = await sandbox.slash(
        "watchparty schedule",
        member=guild.member("mina"),
        channel=guild.channel("general"),
        options=options,
    )
    _assert_safe_answer(result, typed)


@FUZZ
@given(typed=st.text(max_size=100))
async def test_watchparty_when_autocomplete_any_text(bot, sandbox: Sandbox, world, typed):
    guild = world.guild("K-Drama Club")
    choices = await sandbox.autocomplete(
        "watchparty schedule",
        member=guild.member("mina"),
        channel=guild.channel("general"),
        options={"title": "Goblin", "when": typed},
        focused="when",
    )
    assert len(choices) <= 1
    assert all(1 <= len(choice["name"]) <= 100 for choice in choices)


@pytest.mark.parametrize("option", ["question", "option1", "option3", "duration"])
@FUZZ
@given(typed=TYPED.map(lambda text: text[:100]).filter(lambda text: text.strip()))
async def test_poll_create_options_any_text(bot, sandbox: Sandbox, world, option, typed):
    """A poll or a clear refusal, privately; the poll message pings nobody."""
    guild = world.guild("K-Drama Club")
    general = guild.channel("general")
    options = {"question": "What next?", "option1": "Goblin", "option2": "Frieren", option: typed}
    if option == "duration":
        options[option] = typed[:20]
    result = await sandbox.slash(
        "poll create", member=guild.member("mina"), channel=general, options=options
    )
    _assert_safe_answer(result, typed)
    await sandbox.settle()
    for posted in sandbox.messages(general):
        assert not posted.mention_everyone
        assert posted.mentions == []
        assert posted.mention_roles == []


@pytest.mark.parametrize("option", ["slowburn", "fantasy"])
@FUZZ
@given(typed=TYPED.map(lambda text: text[:100]).filter(lambda text: text.strip()))
async def test_poll_versus_sides_any_text(bot, sandbox: Sandbox, world, option, typed):
    guild = world.guild("K-Drama Club")
    result = await sandbox.slash(
        "poll versus",
        member=guild.member("mina"),
        channel=guild.channel("general"),
        options={option: typed},
    )
    _assert_safe_answer(result, typed)
