import pytest

from bot.metadata.aliases import CANONICAL_ALIASES, expand_alias, invert
from bot.metadata.catalog import Catalog
from bot.metadata.name_index import NAME_PREFIX, NameIndex

# Shows the catalog does not carry; providers know them by these names.
NOT_IN_CATALOG = {
    "My Hero Academia",
    "My Teen Romantic Comedy SNAFU",
    "Is It Wrong to Try to Pick Up Girls in a Dungeon?",
}


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("aot", "Attack on Titan"),
        ("SnK", "Attack on Titan"),
        ("jjk", "Jujutsu Kaisen"),
        ("CLOY", "Crash Landing on You"),
        ("kny", "Demon Slayer: Kimetsu no Yaiba"),
        ("bnha", "My Hero Academia"),
        ("Reply 88", "Reply 1988"),
        ("reply-88", "Reply 1988"),
        ("  sousou no   frieren ", "Frieren: Beyond Journey's End"),
        ("sarangui bulsichak", "Crash Landing on You"),
    ],
)
def test_fan_aliases_expand_to_the_name_providers_know(typed, canonical):
    assert expand_alias(typed) == canonical


@pytest.mark.parametrize("typed", ["", "attack on titan", "ao", "aotx", "wlw", "frieren"])
def test_anything_else_is_not_an_alias(typed):
    assert expand_alias(typed) is None


def test_an_alias_claimed_by_two_titles_is_refused():
    with pytest.raises(ValueError, match="'Aot' names both"):
        invert({"Attack on Titan": ("aot",), "Aotearoa": ("Aot",)})


def test_every_alias_target_is_a_catalog_name_unless_listed():
    index = NameIndex(forgiving=False)
    index.add_all(Catalog.bundled())
    missing = {
        canonical
        for canonical in CANONICAL_ALIASES
        if not any(m.quality >= NAME_PREFIX for m in index.search(canonical))
    }
    assert missing == NOT_IN_CATALOG
