from hypothesis import given
from hypothesis import strategies as st

from bot.metadata.models import Medium, Title, TitleNames
from bot.metadata.name_index import ALIAS, EXACT, FUZZY, NAME_PREFIX, NameIndex, fold


def _title(title_id: str, english: str, *, medium=Medium.KDRAMA, popularity=0, synonyms=()):
    return Title(
        id=title_id,
        medium=medium,
        names=TitleNames(english=english, synonyms=tuple(synonyms)),
        attribution="t",
        popularity=popularity,
    )


def test_fold():
    assert fold("Kaguya-sama: Love Is War") == "kaguya sama love is war"
    assert fold("Pokémon") == "pokemon"
    assert fold("  ") == ""


def test_exact_then_prefix_then_word_prefix():
    index = NameIndex()
    index.add(_title("anilist:1", "Crash Landing on You", synonyms=("CLOY",)))
    index.add(_title("anilist:2", "Landing", popularity=5))
    index.add(_title("anilist:3", "Landing Gear Stories", popularity=50))
    assert [m.entry.title_id for m in index.search("landing")] == [
        "anilist:2",
        "anilist:3",
        "anilist:1",
    ]
    assert index.search("cloy")[0].name == "Crash Landing on You"  # a fan alias: the full name
    assert index.search("you")[0].entry.title_id == "anilist:1"


def test_compact_names_and_voicing_marks():
    index = NameIndex()
    index.add(_title("anilist:1", "Re:ZERO", medium=Medium.ANIME))
    index.add(_title("anilist:2", "かぐや様", medium=Medium.ANIME))
    assert index.search("rezero")[0].quality == 3
    assert index.search("reze")[0].entry.title_id == "anilist:1"
    assert index.search("かぐや")[0].entry.title_id == "anilist:2"
    assert index.search("かくや") == []  # voicing marks change the word


def test_medium_filter_and_reindex():
    index = NameIndex()
    index.add(_title("anilist:1", "Toradora!", medium=Medium.ANIME))
    index.add(_title("b:1", "Torch", medium=Medium.KDRAMA))
    assert [m.entry.title_id for m in index.search("tor", medium=Medium.ANIME)] == ["anilist:1"]
    index.add(_title("anilist:1", "Renamed", medium=Medium.ANIME))
    assert index.search("toradora") == []
    assert len(index) == 2


@given(st.text(max_size=30))
def test_any_text_is_safe(typed):
    index = NameIndex()
    index.add(_title("anilist:1", "Goblin"))
    assert len(index.search(typed)) <= 1


def test_re_adding_the_same_names_adds_no_keys_and_removal_hides():
    index = NameIndex()
    index.add_all([_title(f"anilist:{i}", f"Show {i}") for i in range(50)])
    keys = len(index._keys)
    index.add_all([_title("anilist:7", "Show 7", popularity=99)])
    assert len(index._keys) == keys
    assert index.search("show 7")[0].entry.popularity > 0  # the new popularity, as a percentile
    index.remove(["anilist:7"])
    assert all(m.entry.title_id != "anilist:7" for m in index.search("show", limit=100))
    index.add(_title("anilist:7", "Back Again"))
    assert index.search("back again")[0].entry.title_id == "anilist:7"
    near_misses = index.search("show 7", limit=100)
    assert all(m.entry.title_id != "anilist:7" for m in near_misses)
    assert {m.quality for m in near_misses} == {FUZZY}  # "Show 17" and the like, not "Show 7"


def test_a_mistyped_name_is_found_after_every_prefix_match():
    index = NameIndex()
    index.add(_title("anilist:1", "Lovely Runner", popularity=10))
    index.add(_title("anilist:2", "Lovely Complex", popularity=99))
    index.add(_title("anilist:3", "Lovely Runaway", popularity=5))
    found = index.search("lovely runer")
    assert [(m.name, m.quality) for m in found][:1] == [("Lovely Runner", FUZZY)]
    assert "anilist:2" not in [m.entry.title_id for m in found]  # not close enough to offer
    # Still typing: the prefix matches come first, then the near misses, each title once.
    found = index.search("lovely run")
    assert [(m.entry.title_id, m.quality) for m in found] == [
        ("anilist:1", NAME_PREFIX),
        ("anilist:3", NAME_PREFIX),
    ]
    found = index.search("lovely runa")
    assert [m.entry.title_id for m in found] == ["anilist:3", "anilist:1"]
    assert [m.quality for m in found] == [NAME_PREFIX, FUZZY]


def test_wrong_spaces_still_match_the_start_of_a_name():
    index = NameIndex()
    index.add(_title("anilist:1", "Spy x Family", medium=Medium.ANIME))
    index.add(_title("b:1", "Crash Landing on You"))
    assert index.search("spy xfamily")[0].quality == EXACT
    assert index.search("crashlanding")[0].entry.title_id == "b:1"


def test_fuzzy_matches_keep_the_medium_filter_and_forget_removed_titles():
    index = NameIndex()
    index.add(_title("anilist:1", "Frieren", medium=Medium.ANIME))
    index.add(_title("b:1", "Friends", medium=Medium.KDRAMA))
    index.add(_title("b:2", "Frieren", medium=Medium.KDRAMA))
    assert [m.entry.title_id for m in index.search("frieran", medium=Medium.ANIME)] == ["anilist:1"]
    index.remove(["anilist:1"])
    assert "anilist:1" not in [m.entry.title_id for m in index.search("frieran")]
    index.add(_title("b:2", "Renamed", medium=Medium.KDRAMA))
    assert index.search("frieran", medium=Medium.KDRAMA) == []
    index.add(_title("anilist:1", "Frieren", medium=Medium.ANIME))
    assert [m.entry.title_id for m in index.search("frieran")] == ["anilist:1"]


def test_stale_fuzzy_names_go_at_compaction():
    index = NameIndex()
    index.add_all([_title(f"anilist:{i}", f"Show {i}") for i in range(40)])
    index.remove([f"anilist:{i}" for i in range(30)])
    index.add_all([_title("b:1", "Other")])  # flushes: most keys are stale, so they are dropped
    assert "show 3" not in index._owners
    found = [m.entry.title_id for m in index.search("shw 35")]
    assert found[0] == "anilist:35"
    assert not {f"anilist:{i}" for i in range(30)} & set(found)


def test_a_fan_alias_ranks_first_with_every_title_of_that_name():
    index = NameIndex()
    index.add(_title("anilist:1", "Attack on Titan", medium=Medium.ANIME, popularity=5))
    index.add(_title("anilist:2", "Attack on Titan Season 2", medium=Medium.ANIME, popularity=9))
    index.add(_title("anilist:3", "Aotearoa Nights", popularity=99))
    found = index.search("aot")
    assert [(m.entry.title_id, m.quality) for m in found] == [
        ("anilist:1", ALIAS),
        ("anilist:2", ALIAS),
        ("anilist:3", NAME_PREFIX),
    ]
    assert [m.entry.title_id for m in index.search("AoT", medium=Medium.KDRAMA)] == ["anilist:3"]


def test_without_forgiveness_only_prefixes_match():
    strict = NameIndex(forgiving=False)
    strict.add(_title("anilist:1", "Lovely Runner"))
    strict.add(_title("anilist:2", "Attack on Titan", synonyms=("AoT",)))
    assert strict.search("lovely runer") == []
    assert strict.search("love lyrunner") == []
    assert [m.name for m in strict.search("aot")] == ["AoT"]


def test_hangul_and_kana_prefixes_match():
    index = NameIndex()
    index.add(_title("anilist:1", "Crash Landing on You", synonyms=("사랑의 불시착",)))
    index.add(_title("anilist:2", "Frieren", medium=Medium.ANIME, synonyms=("葬送のフリーレン",)))
    assert index.search("사랑")[0].name == "사랑의 불시착"
    assert index.search("불시착")[0].entry.title_id == "anilist:1"  # a word of the name
    assert index.search("葬送の")[0].name == "葬送のフリーレン"


def test_popularity_is_compared_within_each_source_not_raw():
    # Raw, the anime's 20,000 AniList members beat the K-drama TVmaze weighs 98: not any more.
    index = NameIndex()
    index.add(_title("anilist:1", "Moonlight Garden", medium=Medium.ANIME, popularity=20_000))
    index.add(_title("tvmaze:2", "Moonlight Garden Stories", popularity=98))
    index.add(_title("tmdb:3", "Moonlight Garden Tales", popularity=40))
    found = [m.entry.title_id for m in index.search("moonlight")]
    assert found.index("tvmaze:2") < found.index("anilist:1")
    assert found.index("tmdb:3") < found.index("anilist:1")


@given(st.text(alphabet=st.characters(max_codepoint=127)))
def test_the_ascii_shortcut_folds_as_the_unicode_path_does(text):
    # The Unicode path, character by character, as fold() does for non-ASCII text.
    import unicodedata

    out = []
    for char in unicodedata.normalize("NFKC", text):
        out.extend(c if c.isalnum() else " " for c in char.casefold())
    assert fold(text) == " ".join("".join(out).split())
