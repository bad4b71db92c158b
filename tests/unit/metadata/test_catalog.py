import copy
import json
from importlib.resources import files

import pytest

from bot.metadata.catalog import (
    CATALOG_ATTRIBUTION,
    GENRES,
    Catalog,
    CatalogError,
    load_catalog,
    parse_catalog,
    validate_catalog,
)
from bot.metadata.models import Medium, Status, Tag, Title, TitleNames
from bot.metadata.name_index import NameIndex, fold

FANTASY_GENRES = {"Fantasy", "Supernatural"}


def bundled_raw():
    return json.loads((files("bot.metadata") / "catalog.json").read_text(encoding="utf-8"))


def entry(**overrides):
    """A minimal valid catalog entry; keyword arguments replace (or, with None, drop) keys."""
    data = {
        "id": "catalog:example-show",
        "medium": "kdrama",
        "names": {"english": "Example Show"},
        "year": 2020,
        "format": "TV",
        "episodes": 16,
        "status": "finished",
        "genres": ["Romance", "Drama"],
        "tags": [{"name": "Office", "rank": 80}, {"name": "Primarily Adult Cast", "rank": 60}],
        "hook": "Two coworkers slowly fall for each other.",
        "country": "KR",
        "original_language": "ko",
        "same_as": ["tmdb:1"],
    }
    for key, value in overrides.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data


def doc(*entries):
    return {"version": 1, "titles": list(entries)}


def problems_for(*entries):
    return validate_catalog(doc(*entries))


def make_title(slug, english, year, medium=Medium.ANIME, synonyms=(), same_as=()):
    return Title(
        id=f"catalog:{slug}",
        medium=medium,
        names=TitleNames(english=english, synonyms=tuple(synonyms)),
        attribution=CATALOG_ATTRIBUTION,
        year=year,
        same_as=tuple(same_as),
    )


# --- the bundled data -------------------------------------------------------------------------


def test_bundled_catalog_follows_the_schema():
    assert validate_catalog(bundled_raw()) == []


def test_load_catalog_builds_titles():
    titles = load_catalog()
    assert len(titles) >= 160
    for title in titles:
        assert title.id.startswith("catalog:")
        assert title.source == "catalog"
        assert title.attribution == CATALOG_ATTRIBUTION
        assert title.synopsis is None
        assert title.hook
        assert isinstance(title.status, Status)
        assert all(isinstance(tag, Tag) for tag in title.tags)
        assert title.medium in (Medium.KDRAMA, Medium.ANIME)
        assert title.year is not None


def test_load_catalog_is_cached():
    assert load_catalog() is load_catalog()


def test_at_least_80_titles_per_medium():
    titles = load_catalog()
    assert sum(t.medium is Medium.KDRAMA for t in titles) >= 80
    assert sum(t.medium is Medium.ANIME for t in titles) >= 80


def test_ids_and_names_are_unique():
    titles = load_catalog()
    ids = [t.id for t in titles]
    assert len(ids) == len(set(ids))
    keys = [(t.names.english.casefold(), t.year, t.medium) for t in titles]
    assert len(keys) == len(set(keys))


@pytest.mark.parametrize("medium", [Medium.KDRAMA, Medium.ANIME])
def test_romance_and_fantasy_are_both_well_represented(medium):
    titles = [t for t in load_catalog() if t.medium is medium]
    assert sum("Romance" in t.genres for t in titles) >= 20
    assert sum(bool(FANTASY_GENRES & set(t.genres)) for t in titles) >= 20


def test_some_titles_are_neither_romance_nor_fantasy():
    titles = load_catalog()
    neither = [t for t in titles if not ({"Romance"} | FANTASY_GENRES) & set(t.genres)]
    assert len(neither) >= 20


def test_hooks_are_short():
    assert all(len(t.hook or "") <= 140 for t in load_catalog())


def test_genres_come_from_the_vocabulary():
    assert all(set(t.genres) <= GENRES for t in load_catalog())


def test_same_as_ids_are_unique_across_titles():
    refs = [ref for t in load_catalog() for ref in t.same_as]
    assert len(refs) == len(set(refs))


def test_kdramas_are_korean_and_anime_japanese():
    for title in load_catalog():
        if title.medium is Medium.KDRAMA:
            assert (title.country, title.original_language) == ("KR", "ko")
        else:
            assert (title.country, title.original_language) == ("JP", "ja")


def test_known_provider_ids():
    catalog = Catalog.bundled()
    assert catalog.get("anilist:1").display_name == "Cowboy Bebop"
    assert catalog.get("anilist:4224").display_name == "Toradora!"
    assert catalog.get("anilist:21519").display_name == "Your Name."
    assert catalog.get("anilist:5114").display_name == "Fullmetal Alchemist: Brotherhood"
    assert catalog.get("tmdb:94796").display_name == "Crash Landing on You"


# --- validation on hand-made inputs -----------------------------------------------------------


def test_valid_hand_made_entry_has_no_problems():
    assert problems_for(entry()) == []


def test_rejects_a_non_object_top_level():
    assert validate_catalog([entry()]) == ["catalog: top level must be an object"]


def test_rejects_a_wrong_version():
    assert validate_catalog({"version": 2, "titles": []}) == ["catalog: version: must be 1"]


def test_rejects_titles_that_are_not_a_list():
    assert "catalog: titles: must be a list" in validate_catalog({"version": 1, "titles": {}})


def test_rejects_a_non_object_entry():
    assert problems_for("Toradora!") == ["titles[0]: must be an object"]


def test_rejects_a_missing_required_key():
    assert problems_for(entry(hook=None)) == ["catalog:example-show: hook: missing"]


def test_rejects_an_unknown_key():
    assert problems_for(entry(synopsis="x")) == ["catalog:example-show: unknown key 'synopsis'"]


def test_rejects_a_missing_english_name():
    problems = problems_for(entry(names={"romanized": "Eksaempeul"}))
    assert problems == ["catalog:example-show: names.english: required, a non-empty string"]


def test_rejects_synonyms_that_are_not_strings():
    problems = problems_for(entry(names={"english": "Example Show", "synonyms": "ES"}))
    assert problems == ["catalog:example-show: names.synonyms: must be a list of non-empty strings"]


def test_rejects_a_wrong_type():
    problems = problems_for(entry(year="2020"))
    assert problems == ["catalog:example-show: year: must be an integer from 1950 to 2026"]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("medium", "manhwa"),
        ("format", "Scripted"),
        ("status", "airing"),
        ("country", "CN"),
        ("original_language", "zh"),
    ],
)
def test_rejects_values_outside_the_enums(field, value):
    problems = problems_for(entry(**{field: value}))
    assert len(problems) == 1
    assert problems[0].startswith(f"catalog:example-show: {field}: must be one of")


def test_rejects_a_genre_outside_the_vocabulary():
    problems = problems_for(entry(genres=["Romance", "Rom-Com"]))
    assert problems == ["catalog:example-show: genres: 'Rom-Com' is not in the genre vocabulary"]


def test_rejects_a_duplicate_id():
    other = entry(names={"english": "Other Show"}, same_as=["tmdb:2"])
    problems = problems_for(entry(), other)
    assert problems == ["catalog:example-show: id: duplicate of titles[0]"]


def test_rejects_the_same_english_name_year_and_medium_twice():
    other = entry(id="catalog:example-show-2", names={"english": "EXAMPLE show"}, same_as=None)
    problems = problems_for(entry(), other)
    assert len(problems) == 1
    assert problems[0].startswith("catalog:example-show-2: names.english:")
    assert "duplicates catalog:example-show" in problems[0]


def test_allows_the_same_name_in_another_year():
    other = entry(id="catalog:example-show-2024", year=2024, same_as=None)
    assert problems_for(entry(), other) == []


@pytest.mark.parametrize(
    "bad_id",
    ["example-show", "catalog:Example-Show", "catalog:example_show", "catalog:-x", "catalog:"],
)
def test_rejects_a_bad_slug(bad_id):
    problems = problems_for(entry(id=bad_id))
    assert len(problems) == 1
    assert f"{bad_id}: id: must be" in problems[0]


def test_rejects_a_long_hook():
    problems = problems_for(entry(hook="x" * 141))
    assert problems == [
        "catalog:example-show: hook: must be a non-empty string of at most 140 characters"
    ]


@pytest.mark.parametrize("year", [1949, 2027])
def test_rejects_a_year_out_of_range(year):
    problems = problems_for(entry(year=year))
    assert problems == ["catalog:example-show: year: must be an integer from 1950 to 2026"]


@pytest.mark.parametrize("episodes", [0, -3, True, 1.5])
def test_rejects_episodes_that_are_not_positive_integers(episodes):
    problems = problems_for(entry(episodes=episodes))
    assert problems == ["catalog:example-show: episodes: must be an integer above 0"]


def test_rejects_a_movie_with_several_episodes():
    problems = problems_for(entry(format="MOVIE", episodes=2))
    assert problems == ["catalog:example-show: episodes: a MOVIE has exactly 1"]


@pytest.mark.parametrize("ref", ["anilist:abc", "mal:21", "tmdb:", "tmdb:01", "anilist 1", 7])
def test_rejects_a_bad_same_as(ref):
    problems = problems_for(entry(same_as=[ref]))
    assert len(problems) == 1
    assert problems[0].startswith("catalog:example-show: same_as:")


def test_rejects_a_same_as_used_by_two_entries():
    other = entry(id="catalog:other-show", names={"english": "Other Show"})
    problems = problems_for(entry(), other)
    assert problems == [
        "catalog:other-show: same_as: 'tmdb:1' is already used by catalog:example-show"
    ]


@pytest.mark.parametrize(
    "tags",
    [
        [{"name": "Office", "rank": 80}],
        [{"name": f"Tag {n}", "rank": 50} for n in range(7)],
    ],
)
def test_rejects_too_few_or_too_many_tags(tags):
    problems = problems_for(entry(tags=tags))
    assert problems == ["catalog:example-show: tags: must be a list of 2 to 6 tags"]


def test_rejects_a_tag_rank_out_of_range():
    tags = [{"name": "Office", "rank": 101}, {"name": "Work", "rank": 10}]
    problems = problems_for(entry(tags=tags))
    assert problems == ["catalog:example-show: tags[0]: rank must be an integer from 0 to 100"]


def test_reports_every_problem_not_just_the_first():
    problems = problems_for(entry(year=1900, hook="", genres=["Nope"]))
    assert len(problems) == 3


def test_parse_catalog_raises_with_the_entry_and_field():
    with pytest.raises(CatalogError, match=r"catalog:example-show: year"):
        parse_catalog(doc(entry(year=3000)))


def test_parse_catalog_builds_titles_from_valid_input():
    raw = doc(entry(names={"english": "Example Show", "synonyms": ["ES"]}))
    (title,) = parse_catalog(copy.deepcopy(raw))
    assert title.id == "catalog:example-show"
    assert title.medium is Medium.KDRAMA
    assert title.names.synonyms == ("ES",)
    assert title.status is Status.FINISHED
    assert title.tags[0] == Tag(name="Office", rank=80)
    assert title.same_as == ("tmdb:1",)
    assert title.hook == "Two coworkers slowly fall for each other."


# --- normalization and search -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Toradora!", "toradora"),
        ("Kaguya-sama: Love Is War", "kaguya sama love is war"),
        ("Nausicaä", "nausicaa"),
        ("  Steins;Gate  ", "steins gate"),
        ("\uff32\uff25\uff1a\uff3a\uff25\uff32\uff2f", "re zero"),  # fullwidth "RE:ZERO"
        ("사랑의 불시착", "사랑의 불시착"),
        ("!!!", ""),
    ],
)
def test_normalize(text, expected):
    assert fold(text) == expected


def test_normalize_keeps_kana_voicing():
    assert fold("が") != fold("か")


def search_catalog(typed: str, *, medium: Medium | None = None, limit: int = 25) -> list[Title]:
    """What the bot finds in the bundled catalog when providers are down: the name index."""
    catalog = Catalog.bundled()
    index = NameIndex()
    index.add_all(catalog)
    found = (catalog.get(m.entry.title_id) for m in index.search(typed, medium=medium, limit=limit))
    return [title for title in found if title is not None]


def test_search_toradora_comes_first():
    assert search_catalog("toradora")[0].display_name == "Toradora!"


def test_search_finds_guardian_through_its_goblin_synonym():
    assert search_catalog("goblin")[0].id == "catalog:guardian-the-lonely-and-great-god"


def test_search_matches_a_prefix():
    assert search_catalog("crash landing")[0].id == "catalog:crash-landing-on-you"


def test_search_ignores_punctuation():
    assert search_catalog("kaguya sama")[0].id == "catalog:kaguya-sama-love-is-war"
    assert search_catalog("steins gate")[0].id == "catalog:steins-gate"
    assert search_catalog("rezero")[0].id == "catalog:re-zero"


def test_search_is_accent_and_case_insensitive():
    assert search_catalog("NAUSICAA")[0].id == "catalog:nausicaa-of-the-valley-of-the-wind"
    assert search_catalog("fushigi yugi")[0].id == "catalog:fushigi-yugi"


def test_search_matches_native_titles():
    assert search_catalog("사랑의 불시착")[0].id == "catalog:crash-landing-on-you"
    assert search_catalog("とらドラ")[0].id == "catalog:toradora"


def test_search_filters_by_medium():
    anime = search_catalog("kingdom", medium=Medium.ANIME)
    assert anime
    assert all(t.medium is Medium.ANIME for t in anime)
    assert "catalog:kingdom" not in {t.id for t in anime}
    kdramas = search_catalog("kingdom", medium=Medium.KDRAMA)
    assert kdramas[0].id == "catalog:kingdom"
    assert all(t.medium is Medium.KDRAMA for t in kdramas)


def test_search_respects_the_limit_and_empty_queries():
    assert len(search_catalog("a", limit=5)) == 5
    assert search_catalog("a", limit=0) == []
    assert search_catalog("") == []
    assert search_catalog(" ?! ") == []
    assert search_catalog("zzzz-no-such-title") == []
