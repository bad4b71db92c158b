"""What members type, typos and all, finds the title they mean in the bundled catalog."""

import json
from collections import Counter
from pathlib import Path

import pytest

from bot.metadata.catalog import Catalog
from bot.metadata.name_index import NameIndex

TYPOS = Path(__file__).resolve().parents[2] / "fixtures" / "typos.json"
KINDS = {"misspelling", "spacing", "abbreviation", "romanisation", "truncation", "native"}


def _typos():
    return json.loads(TYPOS.read_text(encoding="utf-8"))["typos"]


@pytest.fixture(scope="module")
def catalog_index():
    index = NameIndex()
    index.add_all(Catalog.bundled())
    return index


def test_the_typo_set_is_large_varied_and_names_real_titles():
    typos = _typos()
    catalog = Catalog.bundled()
    assert len(typos) >= 200
    assert Counter(row["kind"] for row in typos).keys() == KINDS
    assert all(catalog.get(row["expected"]) is not None for row in typos)
    assert len({row["typed"] for row in typos}) == len(typos)


def test_nearly_every_typo_finds_its_title_first(catalog_index):
    typos = _typos()
    first = [row for row in typos if _first_id(catalog_index, row["typed"]) == row["expected"]]
    assert len(first) / len(typos) >= 0.95  # 0.993 when this was written (bench: 0.99)
    misspelt = [row for row in typos if row["kind"] == "misspelling"]
    assert sum(row in first for row in misspelt) / len(misspelt) >= 0.95


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("lovely runer", "Lovely Runner"),
        ("crash landing", "Crash Landing on You"),
        ("frieren", "Frieren"),
        ("frieran", "Frieren"),
        ("aot", "Attack on Titan"),
        ("attak on ti", "Attack on Titan"),
        ("jjk", "Jujutsu Kaisen"),
        ("cloy", "Crash Landing on You"),
        ("kimetsu no yaiba", "Demon Slayer: Kimetsu no Yaiba"),
        ("spy xfamily", "Spy x Family"),
        ("reply 88", "Reply 1988"),
        ("sarangui bulsichak", "Crash Landing on You"),
        ("sen to chihiro", "Spirited Away"),
        ("사랑의 불", "사랑의 불시착"),
        ("葬送の", "葬送のフリーレン"),
    ],
)
def test_the_first_suggestion_is_the_title_meant(catalog_index, typed, shown):
    assert catalog_index.search(typed)[0].name == shown


def _first_id(index, typed):
    found = index.search(typed, limit=1)
    return found[0].entry.title_id if found else None
