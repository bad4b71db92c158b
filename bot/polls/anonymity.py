"""Who voted in an anonymous poll, kept so that nobody can learn it from the bot's data.

A vote in an anonymous poll is stored under a keyed hash of (poll, member), never the member
id: enough to refuse a second vote and let a member change theirs, not enough to tell whose
it is. The key is 32 random bytes the bot makes on first use and keeps in a file of its own,
outside the database (0600). Someone holding the database file alone cannot test member ids
against the hashes; only whoever also holds the key can, as the bot must to count one vote per
member. So the key is never stored with the database or its backups.

Losing the key only matters for polls still open: a member's earlier anonymous vote can no
longer be recognised, so they could vote again. Closed polls' tallies are unaffected.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path
from typing import Final

KEY_BYTES: Final = 32
_CONTEXT: Final = b"watchclub anonymous voter v1"


class VoterKeyError(Exception):
    """The key file exists but is not a key (truncated, or some other file)."""


class VoterKey:
    def __init__(self, secret: bytes) -> None:
        if len(secret) != KEY_BYTES:
            raise VoterKeyError(f"a voter key is {KEY_BYTES} bytes, not {len(secret)}")
        self._secret = secret

    @classmethod
    def load_or_create(cls, path: Path) -> VoterKey:
        """The key in `path`, made there (readable by this user only) the first time.

        A new key is written and flushed to a file of its own, then linked to `path` in one
        step: a crash or a second process never sees a key file that is there but empty."""
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            if not path.exists():
                cls._create(path)
            secret = path.read_bytes()
        except OSError as error:
            raise VoterKeyError(
                f"The voter key file {path} can't be read or made ({error.strerror or error}). "
                "Point WATCHCLUB_VOTER_KEY_FILE at a file in a folder this user can write."
            ) from error
        if len(secret) != KEY_BYTES:
            raise VoterKeyError(
                f"The voter key file {path} holds {len(secret)} bytes, not the {KEY_BYTES} "
                "bytes of a key this bot made. Restore the right file; or, if none exists, move it "
                "away and a new key is made (members could then vote again in polls still open)."
            )
        return cls(secret)

    @classmethod
    def _create(cls, path: Path) -> None:
        draft = path.with_name(f".{path.name}.{secrets.token_hex(8)}")
        descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(descriptor, "wb") as file:
                file.write(secrets.token_bytes(KEY_BYTES))
                file.flush()
                os.fsync(file.fileno())
            try:
                os.link(draft, path)
            except FileExistsError:
                pass  # another process made it first: that key is the key
            except OSError:  # a file system without hard links: claim the name directly
                cls._create_in_place(path, draft.read_bytes())
        finally:
            draft.unlink(missing_ok=True)
        cls._sync_folder(path)

    @staticmethod
    def _create_in_place(path: Path, secret: bytes) -> None:
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return
        with os.fdopen(descriptor, "wb") as file:
            file.write(secret)
            file.flush()
            os.fsync(file.fileno())

    @staticmethod
    def _sync_folder(path: Path) -> None:
        folder = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(folder)  # the link itself survives a power cut
        finally:
            os.close(folder)

    def voter(self, poll_id: int, member_id: int) -> str:
        """The member's hidden name in this poll: the same for each of their votes in it,
        unrelated to their name in any other poll."""
        message = b"%s:%d:%d" % (_CONTEXT, poll_id, member_id)
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()

    def __repr__(self) -> str:  # never show the secret in a log or a traceback
        return "VoterKey(<hidden>)"
