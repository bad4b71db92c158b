"""The title card and match list builders: data in, embed out."""

from __future__ import annotations

import pytest

from bot.compass import read_compass
from bot.metadata.models import Medium, NextEpisode, Status, Tag, Title, TitleNames
from cogs.style import BRAND, WARNING
from cogs.titles.embeds import choices_embed, no_match_message, title_card


def _title(**changes) -> Title:
    values = {
        "id": "anilist:154587",
        "medium": Medium.ANIME,
        "names": TitleNames(
            english="Frieren", romanized="Sousou no Frieren", native="葬送のフリーレン"
        ),
        "attribution": "Data: AniList (anilist.co)",
        "year": 2023,
        "format": "TV",
        "episodes": 28,
        "episode_minutes": 24,
        "status": Status.RELEASING,
        "genres": ("Adventure", "Drama", "Fantasy"),
        "tags": (Tag("Magic", 90), Tag("Elf", 85), Tag("Tragedy", 60, spoiler=True)),
        "synopsis": "After the hero's party wins, the elf mage keeps walking.",
        "cover_url": "https://img.test/frieren.jpg",
        "score": 91,
        "next_episode": NextEpisode(number=12, airs_at=1764340200),
        "source_url": "https://anilist.co/anime/154587",
    }
    values.update(changes)
    return Title(**values)


def _fields(embed) -> dict[str, str]:
    return {field.name: field.value for field in embed.fields}


def test_card_shows_what_a_member_needs():
    title = _title()
    embed = title_card(title, read_compass(title))
    fields = _fields(embed)
    assert embed.title == "Frieren"
    assert embed.url == "https://anilist.co/anime/154587"
    assert embed.thumbnail.url == "https://img.test/frieren.jpg"
    assert embed.colour == BRAND
    assert embed.description.startswith("*Sousou no Frieren · 葬送のフリーレン*")
    assert fields["Format"] == "Anime · 2023 · 28 episodes × 24 min"
    assert fields["Status"] == "Airing\nEpisode 12 <t:1764340200:R> (<t:1764340200:f>)"
    assert fields["Score"] == "91/100"
    assert fields["Tags"] == "Magic, Elf"  # the spoiler tag is never shown
    assert "**Fantasy**" in fields["Story compass"]
    assert "Tragedy" not in fields["Story compass"]
    assert embed.footer.text == "Data: AniList (anilist.co)"


def test_a_date_only_air_date_is_written_as_that_date_in_every_zone():
    # A Discord timestamp would show Sat 6 Dec to a viewer in UTC+13; the source said Fri 5.
    episode = NextEpisode(number=12, air_date="2025-12-05")
    title = _title(id="tmdb:94796", medium=Medium.KDRAMA, next_episode=episode)
    fields = _fields(title_card(title, read_compass(title)))
    assert fields["Status"] == "Airing\nEpisode 12 on Fri 5 Dec 2025"


@pytest.mark.parametrize(
    ("raw", "shown"),
    [("ONA", "ONA"), ("OVA", "OVA"), ("TV_SHORT", "TV short"), ("MOVIE", "Movie")],
)
def test_formats_are_labelled_as_fans_write_them(raw, shown):
    title = _title(format=raw)
    assert _fields(title_card(title, read_compass(title)))["Format"].split(" · ")[1] == shown


def test_note_turns_the_card_amber_and_comes_first():
    title = _title()
    embed = title_card(title, read_compass(title), note="AniList is not answering right now.")
    assert embed.colour == WARNING
    assert embed.description.startswith("⚠️ *AniList is not answering right now.*")


def test_long_and_missing_text_stay_within_discord_limits():
    title = _title(
        names=TitleNames(english="N" * 400),
        synopsis="word " * 2000,
        genres=tuple(f"Genre{i}" for i in range(400)),
        tags=tuple(Tag(f"Tag{i}", i % 100) for i in range(400)),
        attribution="A" * 3000,
    )
    embed = title_card(title, read_compass(title))
    assert len(embed.title) <= 256
    assert len(embed.description) <= 4096
    assert all(len(field.value) <= 1024 for field in embed.fields)
    assert len(embed.footer.text) <= 2048
    assert len(embed) <= 6000
    bare = _title(synopsis=None, episodes=None, episode_minutes=None, next_episode=None)
    assert "No synopsis yet." in title_card(bare, read_compass(bare)).description


def test_match_list_and_no_match_text():
    titles = [_title(id=f"anilist:{i}", names=TitleNames(english=f"Show {i}")) for i in range(25)]
    embed = choices_embed("show", titles, ["TVmaze is not answering right now."])
    assert embed.title == "Titles matching “show”"
    assert embed.description.splitlines()[0].startswith("**1.** Show 0 · Anime · 2023")
    assert embed.colour == WARNING
    assert len(embed) <= 6000
    message = no_match_message("@everyone zzz", ["AniList is down."])
    assert message.startswith("I found no anime or K-drama called “@\u200beveryone zzz”")
    assert message.endswith("AniList is down.")
