"""Errors whose text is meant for the person who typed the command (DESIGN.md rule 7)."""


class UserFacingError(Exception):
    """An expected failure. Its message is shown to the user, ephemerally and verbatim."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
