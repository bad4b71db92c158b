from hypothesis import given
from hypothesis import strategies as st

from bot.metadata.models import Medium, Title, TitleNames
from bot.metadata.name_index import FUZZY, NameIndex, fold


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
    index.add(_title("a:1", "Crash Landing on You", synonyms=("CLOY",)))
    index.add(_title("a:2", "Landing", popularity=5))
    index.add(_title("a:3", "Landing Gear Stories", popularity=50))
    assert [m.entry.title_id for m in index.search("landing")] == ["a:2", "a:3", "a:1"]
    assert index.search("cloy")[0].name == "CLOY"
    assert index.search("you")[0].entry.title_id == "a:1"


def test_compact_names_and_voicing_marks():
    index = NameIndex()
    index.add(_title("a:1", "Re:ZERO", medium=Medium.ANIME))
    index.add(_title("a:2", "かぐや様", medium=Medium.ANIME))
    assert index.search("rezero")[0].quality == 3
    assert index.search("reze")[0].entry.title_id == "a:1"
    assert index.search("かぐや")[0].entry.title_id == "a:2"
    assert index.search("かくや") == []  # voicing marks change the word


def test_medium_filter_and_reindex():
    index = NameIndex()
    index.add(_title("a:1", "Toradora!", medium=Medium.ANIME))
    index.add(_title("b:1", "Torch", medium=Medium.KDRAMA))
    assert [m.entry.title_id for m in index.search("tor", medium=Medium.ANIME)] == ["a:1"]
    index.add(_title("a:1", "Renamed", medium=Medium.ANIME))
    assert index.search("toradora") == []
    assert len(index) == 2


@given(st.text(max_size=30))
def test_any_text_is_safe(typed):
    index = NameIndex()
    index.add(_title("a:1", "Goblin"))
    assert len(index.search(typed)) <= 1


def test_re_adding_the_same_names_adds_no_keys_and_removal_hides():
    index = NameIndex()
    index.add_all([_title(f"a:{i}", f"Show {i}") for i in range(50)])
    keys = len(index._keys)
    index.add_all([_title("a:7", "Show 7", popularity=99)])
    assert len(index._keys) == keys
    assert index.search("show 7")[0].entry.popularity == 99
    index.remove(["a:7"])
    assert all(m.entry.title_id != "a:7" for m in index.search("show", limit=100))
    index.add(_title("a:7", "Back Again"))
    assert index.search("back again")[0].entry.title_id == "a:7"
    near_misses = index.search("show 7", limit=100)
    assert all(m.entry.title_id != "a:7" for m in near_misses)
    assert {m.quality for m in near_misses} == {FUZZY}  # "Show 17" and the like, not "Show 7"
