from datetime import UTC, datetime
from zoneinfo import ZoneInfo, available_timezones

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.errors import UserFacingError
from bot.timezones import (
    POPULAR_ZONES,
    ResolvedZone,
    ZoneChoice,
    describe_zone,
    names_a_zone,
    resolve_timezone,
    suggest_timezones,
)

WINTER = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)  # northern winter: London on GMT
SUMMER = datetime(2026, 7, 15, 12, 0, tzinfo=UTC)  # northern summer: London on BST


def zones(typed, at=WINTER, **kwargs):
    return [choice.zone for choice in suggest_timezones(typed, at=at, **kwargs)]


def labels(typed, at=WINTER):
    return {choice.zone: choice.label for choice in suggest_timezones(typed, at=at)}


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
    assert resolve_timezone(typed, at=WINTER).zone == zone


def test_unknown_zone_explains_and_suggests():
    with pytest.raises(UserFacingError) as caught:
        resolve_timezone("Seol", at=WINTER)
    assert "IANA" in caught.value.message
    assert "`UTC+9`" in caught.value.message
    with pytest.raises(UserFacingError) as caught:
        resolve_timezone("Mars/Olympus_Mons", at=WINTER)
    assert "`Asia/Seoul`" in caught.value.message


def test_suggestions_rank_city_matches_first():
    assert zones("seoul")[0] == "Asia/Seoul"
    assert zones("new york")[0] == "America/New_York"
    assert zones("")[0] == "Asia/Seoul"
    assert len(zones("a")) == 25


@pytest.mark.parametrize("typed", ["GMT+9", "UTC+9", "+09:00", "+9", "utc +9", "gmt+0900"])
def test_an_offset_offers_the_cities_at_it_then_the_fixed_offset(typed):
    choices = suggest_timezones(typed, at=WINTER)
    assert choices[:3] == [
        ZoneChoice("Asia/Seoul", "Asia/Seoul (UTC+09:00)"),
        ZoneChoice("Asia/Tokyo", "Asia/Tokyo (UTC+09:00)"),
        ZoneChoice("Etc/GMT-9", "UTC+09:00 (no daylight saving)"),
    ]
    assert "Asia/Pyongyang" in zones(typed)
    assert all(choice.label.endswith("(UTC+09:00)") for choice in choices[3:])


@pytest.mark.parametrize("typed", ["GMT+9", "UTC+9", "+9", "gmt+", "utc+", "GMT+1", "+"])
def test_a_typed_plus_never_offers_an_etc_gmt_plus_zone(typed):
    assert not any(zone.startswith("Etc/GMT+") for zone in zones(typed, limit=1000))


def test_a_typed_minus_gets_the_etc_zone_that_means_it():
    offered = zones("GMT-3", limit=1000)
    assert "Etc/GMT-3" not in offered
    assert labels("GMT-3")["Etc/GMT+3"] == "UTC-03:00 (no daylight saving)"


def test_the_literal_etc_name_is_still_offered_with_its_real_offset():
    assert suggest_timezones("Etc/GMT+9", at=WINTER)[0] == ZoneChoice(
        "Etc/GMT+9", "Etc/GMT+9 = UTC-09:00 (no daylight saving)"
    )
    assert resolve_timezone("Etc/GMT+9", at=WINTER) == ResolvedZone(
        "Etc/GMT+9",
        "UTC-09:00 (no daylight saving)",
        "`Etc/GMT+9` is UTC-09:00: these names invert the sign. "
        "If you meant UTC+9, type `UTC+9` or your city.",
    )


@pytest.mark.parametrize(
    ("typed", "first"),
    [("UTC+5:30", "Asia/Kolkata"), ("+05:30", "Asia/Kolkata"), ("+05:45", "Asia/Kathmandu")],
)
def test_part_hour_offsets_offer_cities_only(typed, first):
    offered = zones(typed)
    assert offered[0] == first
    assert not any(zone.startswith("Etc/") for zone in offered)


def test_offset_choices_follow_daylight_saving():
    assert "Europe/London" in zones("UTC+0", at=WINTER)
    assert "Europe/London" not in zones("UTC+0", at=SUMMER)
    assert "Europe/London" in zones("UTC+1", at=SUMMER)
    assert labels("London", at=SUMMER)["Europe/London"] == "Europe/London (UTC+01:00)"


def test_impossible_offsets_offer_nothing_and_explain():
    assert zones("UTC+15") == []
    with pytest.raises(UserFacingError, match="UTC-12:00 to UTC\\+14:00"):
        resolve_timezone("UTC+15", at=WINTER)
    with pytest.raises(UserFacingError, match="No timezone is at UTC\\+05:17"):
        resolve_timezone("+05:17", at=WINTER)


def test_a_whole_hour_offset_resolves_to_the_fixed_zone_and_suggests_a_city():
    resolved = resolve_timezone("GMT+9", at=WINTER)
    assert (resolved.zone, resolved.label) == ("Etc/GMT-9", "UTC+09:00 (no daylight saving)")
    assert resolved.note is not None
    assert "pick your city instead, such as `Asia/Seoul`" in resolved.note
    assert ZoneInfo(resolved.zone).utcoffset(WINTER).total_seconds() == 9 * 3600
    minus = resolve_timezone("utc\u22125", at=WINTER)  # the typographic minus sign
    assert (minus.zone, minus.label) == ("Etc/GMT+5", "UTC-05:00 (no daylight saving)")
    assert resolve_timezone("GMT", at=WINTER).zone == "UTC"


def test_a_part_hour_offset_resolves_to_its_most_popular_city():
    resolved = resolve_timezone("UTC+5:30", at=WINTER)
    assert (resolved.zone, resolved.label) == ("Asia/Kolkata", "Asia/Kolkata (UTC+05:30)")
    assert resolved.note is not None
    assert "Asia/Colombo" in resolved.note
    assert resolve_timezone("+0545", at=WINTER).zone == "Asia/Kathmandu"


@pytest.mark.parametrize(
    ("typed", "zone", "offset"),
    [
        ("KST", "Asia/Seoul", "UTC+09:00"),
        ("jst", "Asia/Tokyo", "UTC+09:00"),
        ("PHT", "Asia/Manila", "UTC+08:00"),
        ("WIB", "Asia/Jakarta", "UTC+07:00"),
        ("WITA", "Asia/Makassar", "UTC+08:00"),
        ("WIT", "Asia/Jayapura", "UTC+09:00"),
        ("SGT", "Asia/Singapore", "UTC+08:00"),
        ("HKT", "Asia/Hong_Kong", "UTC+08:00"),
        ("ICT", "Asia/Bangkok", "UTC+07:00"),
        ("PDT", "America/Los_Angeles", "UTC-08:00"),
        ("MST", "America/Denver", "UTC-07:00"),
        ("EST", "America/New_York", "UTC-05:00"),
        ("EDT", "America/New_York", "UTC-05:00"),
        ("AKST", "America/Anchorage", "UTC-09:00"),
        ("HST", "Pacific/Honolulu", "UTC-10:00"),
        ("BST", "Europe/London", "UTC+00:00"),
        ("CET", "Europe/Paris", "UTC+01:00"),
        ("CEST", "Europe/Paris", "UTC+01:00"),
        ("EET", "Europe/Athens", "UTC+02:00"),
        ("WET", "Europe/Lisbon", "UTC+00:00"),
        ("MSK", "Europe/Moscow", "UTC+03:00"),
        ("AEST", "Australia/Sydney", "UTC+11:00"),
        ("ACST", "Australia/Adelaide", "UTC+10:30"),
        ("AWST", "Australia/Perth", "UTC+08:00"),
        ("NZDT", "Pacific/Auckland", "UTC+13:00"),
    ],
)
def test_abbreviations_resolve_to_their_zone(typed, zone, offset):
    resolved = resolve_timezone(typed, at=WINTER)
    assert resolved == ResolvedZone(zone, f"{zone} ({offset})")
    assert suggest_timezones(typed, at=WINTER)[0].zone == zone


@pytest.mark.parametrize(
    ("typed", "candidates"),
    [
        ("IST", ["Asia/Kolkata", "Europe/Dublin", "Asia/Jerusalem"]),
        ("cst", ["Asia/Shanghai", "America/Chicago", "America/Havana", "Asia/Taipei"]),
        ("PST", ["America/Los_Angeles", "Asia/Manila"]),
    ],
)
def test_ambiguous_abbreviations_offer_every_meaning_and_are_never_guessed(typed, candidates):
    assert zones(typed)[: len(candidates)] == candidates
    with pytest.raises(UserFacingError) as caught:
        resolve_timezone(typed, at=WINTER)
    message = caught.value.message
    assert message.startswith(f"`{typed.upper()}` means different times in different places")
    assert all(f"`{zone}`" in message for zone in candidates)
    assert "Nothing was saved." in message


def test_ambiguous_choices_say_which_place_they_mean():
    assert suggest_timezones("ist", at=WINTER)[:3] == [
        ZoneChoice("Asia/Kolkata", "Asia/Kolkata (UTC+05:30), IST in India"),
        ZoneChoice("Europe/Dublin", "Europe/Dublin (UTC+00:00), IST in Ireland"),
        ZoneChoice("Asia/Jerusalem", "Asia/Jerusalem (UTC+02:00), IST in Israel"),
    ]


def test_every_zone_named_here_exists():
    known = available_timezones()
    assert set(POPULAR_ZONES) <= known
    for typed in ["kst", "ist", "cst", "pst", "aest", "nzdt", "wita", "msk", "sast", "art"]:
        assert set(zones(typed)) <= known | {"UTC"}


def test_replies_show_the_offset_and_never_the_bare_inverted_name():
    assert describe_zone("Asia/Seoul", at=WINTER) == "Asia/Seoul (UTC+09:00)"
    assert describe_zone("America/New_York", at=SUMMER) == "America/New_York (UTC-04:00)"
    assert describe_zone("Etc/GMT-9", at=WINTER) == "UTC+09:00 (no daylight saving)"
    assert describe_zone("UTC", at=WINTER) == "UTC+00:00 (no daylight saving)"


def test_full_width_text_reads_like_ascii():
    full_width_kst, full_width_gmt_plus_9 = "\uff2b\uff33\uff34", "\uff27\uff2d\uff34\uff0b\uff19"
    assert resolve_timezone(full_width_kst, at=WINTER).zone == "Asia/Seoul"
    assert zones(full_width_gmt_plus_9)[:2] == ["Asia/Seoul", "Asia/Tokyo"]


TYPICAL = st.sampled_from(
    ["GMT+9", "UTC-3", "+05:30", "kst", "PDT", "seoul", "Etc/GMT+9", "utc", "GMT", "+0545"]
)


@given(st.one_of(TYPICAL, st.text(max_size=80)))
def test_any_input_resolves_to_a_suggested_zone_or_explains(typed):
    choices = suggest_timezones(typed, at=WINTER)
    assert len(choices) <= 25
    assert all(0 < len(choice.label) <= 100 and len(choice.zone) <= 100 for choice in choices)
    try:
        resolved = resolve_timezone(typed, at=WINTER)
    except UserFacingError as exc:
        assert exc.message
    else:
        # Validation accepts what autocomplete offers, and the two agree on the zone.
        assert resolved.zone in [choice.zone for choice in choices]
        ZoneInfo(resolved.zone)


@pytest.mark.parametrize(
    ("zone", "note"),
    [
        ("Etc/GMT-14", "`Etc/GMT-14` is UTC+14:00: these names invert the sign."),
        ("Etc/GMT+0", None),
        ("Etc/GMT-0", None),
    ],
)
def test_the_sign_note_never_suggests_an_impossible_offset(zone, note):
    assert resolve_timezone(zone, at=WINTER).note == note


@pytest.mark.parametrize(
    ("word", "is_zone"),
    [
        ("KST", True),
        ("ist", True),
        ("+09:00", True),
        ("UTC+9", True),
        ("Asia/Seoul", True),
        ("8pm", False),
        ("sat", False),
        ("pm", False),
        ("21:00", False),
        ("9", False),
    ],
)
def test_names_a_zone_tells_a_zone_from_a_time(word, is_zone):
    assert names_a_zone(word) is is_zone
