"""`watchclub demo`, the quick start's first command: the whole scripted evening plays."""

from __future__ import annotations

import re

import pytest

from bot.cli import main

pytestmark = pytest.mark.slow


def test_the_demo_plays_every_scene_without_a_token(capsys):
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    assert 'watchclub demo: an evening in the "K-Drama Club" server' in out
    assert "/help" in out
    assert "Story compass" in out
    # Time zones as people type them, and lookups that forgive typos.
    assert "suggests: Asia/Seoul (UTC+09:00), Asia/Tokyo (UTC+09:00)" in out
    assert "`IST` means different times in different places" in out
    assert "suggests: Lovely Runner · K-drama · 2024" in out
    assert "suggests: Crash Landing on You · K-drama · 2019" in out
    assert "suggests: Attack on Titan · anime · 2013" in out
    assert "/title name:frieran\n  watchclub \u203a\n      ╭─ Frieren: Beyond Journey's End" in out
    # The reminders scene: one merged message, a DM, and a closed DM moved to the channel.
    assert (
        "Twinkling Watermelon, episode 5, starts in 15 minutes.\n"
        "    Frieren, episode 12, starts in 15 minutes.\n"
        "    Moving, episode 3, starts in 15 minutes."
    ) in out
    assert "DM jun: Your watch party starts in 15 minutes." in out
    assert "your DMs are closed, so here it is:" in out
    # Decide together: a versus poll the bot picked, six clicks, a few edits, the results.
    assert "Picked by the bot:" in out
    assert out.count("⚔️ **Slow-burn vs fantasy**") <= 4  # posted, then edited in place
    assert "— Slow-burn side · K-drama" in out
    assert "— Fantasy side · Anime" in out
    assert "(only jun sees this) Your vote in poll #1:" in out
    assert "`████████░░` 80% (4) **1.**" in out  # the last tally is exact
    assert "Poll #1 is anonymous: the bot itself cannot tell" in out
    assert "Only the poll's creator or a member with Manage Messages" in out
    assert "🏁 Closed early" in out
    assert "Turnout: 5 voters" in out
    assert "[file: results.png]" in out
    assert "[Schedule a watch party:" in out
    assert 'sora submitted "Watch party:' in out
    assert "[Confirm] [Change]" in out
    assert "[file: compass.png]" in out
    assert "Poll #1 is updated: its deadline, now" in out
    # A bracket of four: semi-finals, then the final, then the champion with the drawing.
    assert "Best slow-burn ever · Semi-final 1 of 2" in out
    assert "Best slow-burn ever · Final" in out
    assert "🏆 **Crash Landing on You** wins **Best slow-burn ever**!" in out
    assert "[file: bracket.png]" in out
    # Taste: two ratings, a watchlist another member can see, and the member's own data.
    assert "Rated **Crash Landing on You** (K-drama) **9**/10." in out
    assert "Jun's watchlist" in out
    assert "/taste\n  watchclub \u203a (only jun sees this)" in out
    assert "╭─ Your taste in K-Drama Club" in out
    assert "[file: taste.png]" in out
    assert "[file: watchclub-my-data-" in out
    # Recommendations with reasons, from the two ratings.
    assert "Recommended for you" in out
    assert "like *Crash Landing on You*" in out
    assert "a fantasy pick, as you asked" in out
    # A newcomer: the server's favourites, then two ratings in one form and their own picks.
    assert "[Rate a few titles]" in out
    assert 'opens a form "Rate a few titles (blank: not seen)"' in out
    # Which titles the form offers depends on hana's id (a per-member order among equals).
    assert re.search(r"Saved 2 ratings: \*[^*]+\* 9, \*[^*]+\* 7\.", " ".join(out.split()))
    # A session mirrored as a Discord event, moved, then refused without the permission.
    assert 'scheduled "Frieren ep 5-6 watch party"' in out
    assert 'updated "Frieren ep 5-6 watch party"' in out
    assert 'event "Moving ep 3-4 watch party" not scheduled: Missing Permissions' in out
    assert "Off since" in out
    assert "I lack the Manage Events" in out
    # Watch together: a series previewed in its zone, confirmed, answered and reminded.
    assert "suggests: Fri 4 Dec 20:00 KST · in 4 days" in out
    assert "repeats every Fri and Sat at" in out
    assert "Series: Session 1 of 8 · every Fri and Sat at 20:00 KST" in out
    assert "[Going] [Maybe] [Can't go] [Add to calendar] [Google Calendar ↗]" in out
    assert 'opened the thread "Crash Landing on You, episodes 1–2"' in out
    assert 'scheduled "Crash Landing on You, episodes 1–2"' in out
    assert "RSVP: ✅ 2 Going · 🤔 1 Maybe · ❌ 0 Can't go" in out
    reminder = "⏰ **Crash Landing on You, episodes 1–2** starts in 1h"
    assert out.count(reminder) == 2  # one for the channel, one for sora's closed DMs
    in_channel = out.index("@Watch Party @Jun\n    (pings @Jun, @Watch Party)")
    assert reminder in out[in_channel - 200 : in_channel]  # Maybe (mina) is not pinged
    assert "@Sora your DMs are closed, so here it is:\n    " + reminder in out  # she chose DMs
    assert "[file: Watch-parties.ics]" in out
    assert "Traceback" not in out
