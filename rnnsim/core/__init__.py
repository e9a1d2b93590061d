"""The NumPy core of rnnsim: cells, layers, heads, tokenizer, model files. No screen here."""

from .model import Model, ModelError, random_model
from .modelfile import load_model, save_model
from .network import Stepper, run
from .tokenizer import UNK, Vocab, tokenize
from .trace import DirectionStep, DirectionTrace, StepRecord, Trace
from .train import train

__all__ = [
    "UNK", "DirectionStep", "DirectionTrace", "Model", "ModelError", "StepRecord",
    "Stepper", "Trace", "Vocab", "load_model", "random_model", "run", "save_model", "tokenize",
    "train",
]  # fmt: skip
