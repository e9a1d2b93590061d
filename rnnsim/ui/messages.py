"""Messages the widgets post up to the app, which turns them into Simulation commands."""

from __future__ import annotations

from textual.message import Message


class TokenClicked(Message):
    """The user clicked the token at `position`."""

    def __init__(self, position: int) -> None:
        super().__init__()
        self.position = position
