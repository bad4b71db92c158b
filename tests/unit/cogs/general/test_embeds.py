"""/help and /about builders: data in, embed out."""

from __future__ import annotations

from bot.about.models import AboutFacts
from cogs.general.embeds import about_embed, help_overview_embed, help_section_embed
from cogs.general.help import command_lines, present_sections


def facts(**changes: object) -> AboutFacts:
    values: dict[str, object] = {
        "version": "0.1.0",
        "started_at": 1_795_000_000,
        "uptime_seconds": 3_700,
        "database_bytes": 2 * 1024 * 1024,
        "guild_count": 3,
        "tmdb_configured": False,
    }
    values.update(changes)
    return AboutFacts(**values)  # type: ignore[arg-type]


def fields(embed) -> dict[str, str]:
    return {field.name: field.value for field in embed.fields}


def test_about_shows_no_events_line_while_mirroring_works():
    shown = fields(about_embed(facts()))
    assert shown["Servers"] == "3"
    assert shown["Database"] == "2.0 MiB"
    assert "Discord events" not in shown


def test_about_says_since_when_and_why_events_are_not_mirrored():
    embed = about_embed(
        facts(
            events_off_reason="I lack the Manage Events permission.", events_off_since=1_795_000_000
        )
    )
    line = fields(embed)["Discord events"]
    assert line.startswith("Off since <t:1795000000:f>: I lack the Manage Events permission.")
    assert "Watch parties still work" in line


def test_commands_are_grouped_by_the_section_they_name_and_unnamed_ones_go_to_more():
    lines = command_lines(
        [
            ("timezone", "See or set your timezone", "settings"),
            ("title", "Look up a title", "find"),
            ("mystery", "Something new", None),
        ]
    )
    assert [(line.path, line.section) for line in lines] == [
        ("title", "find"),
        ("timezone", "settings"),
        ("mystery", "more"),
    ]
    assert present_sections(lines) == ["find", "settings", "more"]
    overview = fields(help_overview_embed(lines))
    assert list(overview) == ["Find a show", "Settings", "More"]
    assert "`/mystery`" in overview["More"]
    assert fields(help_section_embed(lines, "find"))["Commands"] == "`/title`: Look up a title"
