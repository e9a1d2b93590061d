"""The main screen's key actions, one module per concern. Textual finds a key's action
as an `action_*` method of the app, so each module is a small mixin that RnnsimApp
inherits; each uses only the app's `sim`, `run_command` and Textual's own methods."""

from .files import FileKeys
from .generation import GenerationKeys
from .model import ModelKeys
from .stepping import PLAY_INTERVAL, SPEEDS, SteppingKeys

__all__ = ["PLAY_INTERVAL", "SPEEDS", "FileKeys", "GenerationKeys", "ModelKeys", "SteppingKeys"]
