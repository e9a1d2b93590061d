"""The main screen's key actions, one module per concern. Textual finds a key's action
as an `action_*` method of the app, so each module is a small mixin that RnnsimApp
inherits; each uses only the app's `sim`, `run_command` and Textual's own methods."""

from .files import FileKeys
from .generation import GenerationKeys
from .model import ModelKeys
from .stepping import PLAY_INTERVAL, SPEEDS, SteppingKeys
from .surgery import SURGERY_BINDINGS, SurgeryKeys
from .views import ViewKeys

__all__ = [
    "PLAY_INTERVAL", "SPEEDS", "SURGERY_BINDINGS", "FileKeys", "GenerationKeys", "ModelKeys", "SteppingKeys",
    "SurgeryKeys", "ViewKeys",
]  # fmt: skip
