import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.durations import (
    MAX_LEAD_MINUTES,
    format_elapsed,
    format_lead_times,
    format_minutes,
    parse_lead_times,
)
from bot.errors import UserFacingError


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("1d 1h 15m", (1440, 60, 15)),
        ("15m, 1h", (60, 15)),
        ("1h30m", (90,)),
        ("90m 1h30m", (90,)),
        ("2W", None),
        ("off", ()),
        ("None", ()),
    ],
)
def test_parse_lead_times(typed, expected):
    if expected is None:
        with pytest.raises(UserFacingError, match="out of range"):
            parse_lead_times(typed)
    else:
        assert parse_lead_times(typed) == expected


@pytest.mark.parametrize("typed", ["", "soon", "1.5h", "1 h", "-5m", "1h 2h 3h 4h 5h 6h", "0m"])
def test_bad_lead_times_say_what_is_accepted(typed):
    with pytest.raises(UserFacingError) as caught:
        parse_lead_times(typed)
    assert "1d 1h 15m" in caught.value.message


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("\uff11\uff44\u3000\uff11\uff15\uff4d", (1440, 15)),  # full-width "1d 15m"
        ("\u0661h \u0661\u0665m", (60, 15)),  # Arabic-Indic "1h 15m"
        ("\u06f2h", (120,)),  # Persian "2h"
        ("\uff11\uff28\uff13\uff10\uff2d", (90,)),  # full-width "1H30M"
    ],
)
def test_digits_of_any_script_are_read_and_echoed_in_ascii(typed, expected):
    result = parse_lead_times(typed)
    assert result == expected
    assert format_lead_times(result).isascii()


@pytest.mark.parametrize("typed", ["1h1h", "1d 1h1m1h", "30m1h30m", "\uff11\uff48\uff11\uff48"])
def test_the_same_unit_twice_in_one_lead_time_is_refused(typed):
    with pytest.raises(UserFacingError) as caught:
        parse_lead_times(typed)
    assert "gives a unit twice" in caught.value.message
    assert "1d 1h 15m" in caught.value.message


@given(st.text(max_size=40))
def test_parse_lead_times_never_crashes(typed):
    try:
        result = parse_lead_times(typed)
    except UserFacingError as exc:
        assert "off" in exc.message
    else:
        assert all(1 <= minutes <= MAX_LEAD_MINUTES for minutes in result)
        assert list(result) == sorted(set(result), reverse=True)


@given(st.integers(min_value=1, max_value=MAX_LEAD_MINUTES))
def test_format_round_trips(minutes):
    assert parse_lead_times(format_minutes(minutes).replace(" ", "")) == (minutes,)


def test_formatting():
    assert format_lead_times((1440, 60, 15)) == "1d before, 1h before, 15m before"
    assert format_lead_times(()) == "off"
    assert format_elapsed(42) == "42s"
