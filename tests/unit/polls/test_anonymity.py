"""The anonymous voter's hidden name, and the key it comes from."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from bot.polls.anonymity import KEY_BYTES, VoterKey, VoterKeyError

MEMBER = 274_038_112_094_010_368


def test_the_key_is_made_once_readable_by_its_owner_only_and_read_back(tmp_path: Path):
    path = tmp_path / "keys" / "watchclub.voter-key"
    first = VoterKey.load_or_create(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(path.read_bytes()) == KEY_BYTES
    again = VoterKey.load_or_create(path)
    assert again.voter(1, MEMBER) == first.voter(1, MEMBER)


def test_a_members_hidden_name_is_stable_in_a_poll_and_differs_between_polls(tmp_path: Path):
    key = VoterKey.load_or_create(tmp_path / "k")
    assert key.voter(7, MEMBER) == key.voter(7, MEMBER)
    assert key.voter(7, MEMBER) != key.voter(8, MEMBER)
    assert key.voter(7, MEMBER) != key.voter(7, MEMBER + 1)


def test_the_hidden_name_shows_nothing_of_the_member(tmp_path: Path):
    name = VoterKey.load_or_create(tmp_path / "k").voter(7, MEMBER)
    assert str(MEMBER) not in name
    assert MEMBER.to_bytes(8, "big").hex() not in name
    assert len(name) == 64


def test_another_key_gives_other_names(tmp_path: Path):
    one = VoterKey.load_or_create(tmp_path / "one")
    two = VoterKey.load_or_create(tmp_path / "two")
    assert one.voter(7, MEMBER) != two.voter(7, MEMBER)


def test_a_file_that_is_not_a_key_is_refused(tmp_path: Path):
    path = tmp_path / "k"
    path.write_bytes(b"not a key")
    with pytest.raises(VoterKeyError, match="32 bytes"):
        VoterKey.load_or_create(path)


def test_the_secret_never_shows_in_a_repr(tmp_path: Path):
    key = VoterKey.load_or_create(tmp_path / "k")
    assert repr(key) == "VoterKey(<hidden>)"


def test_an_empty_key_file_left_by_a_crash_is_refused_with_what_to_do(tmp_path: Path):
    path = tmp_path / "watchclub.voter-key"
    path.touch()
    with pytest.raises(VoterKeyError, match=r"holds 0 bytes, not the 32 bytes.*move it away"):
        VoterKey.load_or_create(path)


def test_a_new_key_leaves_no_draft_behind_and_a_racing_maker_keeps_the_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    path = tmp_path / "watchclub.voter-key"
    first = VoterKey.load_or_create(path)
    monkeypatch.setattr(Path, "exists", lambda self: False)  # as if another process raced us
    second = VoterKey.load_or_create(path)
    assert second.voter(1, MEMBER) == first.voter(1, MEMBER)
    assert [p.name for p in tmp_path.iterdir()] == ["watchclub.voter-key"]


def test_a_key_that_cannot_be_made_is_one_clear_error(tmp_path: Path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the key's folder should be")
    with pytest.raises(VoterKeyError, match="can't be read or made"):
        VoterKey.load_or_create(blocker / "watchclub.voter-key")
