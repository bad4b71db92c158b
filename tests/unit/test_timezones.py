import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.errors import UserFacingError
from bot.timezones import resolve_timezone, suggest_timezones


@pytest.mark.parametrize(
    ("typed", "zone"),
    [
        ("Asia/Seoul", "Asia/Seoul"),
        ("asia/seoul", "Asia/Seoul"),
        ("  America/New York ", "America/New_York"),
        ("KST", "Asia/Seoul"),
        ("utc", "UTC"),
    ],
)
def test_resolves_what_people_type(typed, zone):
    assert resolve_timezone(typed) == zone


def test_unknown_zone_explains_and_suggests():
    with pytest.raises(UserFacingError) as caught:
        resolve_timezone("Seol")
    assert "IANA" in caught.value.message
    with pytest.raises(UserFacingError) as caught:
        resolve_timezone("Mars/Olympus_Mons")
    assert "`Asia/Seoul`" in caught.value.message


def test_suggestions_rank_city_matches_first():
    assert suggest_timezones("seoul")[0] == "Asia/Seoul"
    assert suggest_timezones("new york")[0] == "America/New_York"
    assert suggest_timezones("")[0] == "Asia/Seoul"
    assert len(suggest_timezones("a")) == 25


@given(st.text(max_size=80))
def test_any_input_resolves_or_explains(typed):
    try:
        zone = resolve_timezone(typed)
    except UserFacingError as exc:
        assert exc.message
    else:
        assert zone in suggest_timezones(zone, limit=1000) or zone == "UTC"
    assert len(suggest_timezones(typed)) <= 25
