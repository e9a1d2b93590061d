"""A classifier's decision: its class probabilities after the last token, and the label
its loss is scored against (the gradient view's target).

A classifier reads PyTorch's h_n once, after every token is read: both directions'
final states when bidirectional. `label` is None until the user chooses one: the loss
is then scored at the predicted label (as `rnnsim trace` does without --label).
"""

from __future__ import annotations

from .errors import SimError
from .recording import command


class ClassifyView:
    """The class probabilities and the chosen label (part of Simulation)."""

    label: str | None = None

    @property
    def is_classifier(self) -> bool:
        return self.model.task == "classify"

    def decision_ready(self) -> bool:
        """Has every token been read (the classifier's h_n exists)?"""
        return self.cursor >= self.T or self.phase == "backward"

    def class_probs(self) -> list[tuple[str, float]]:
        """(label, probability) for every class, in the model's label order."""
        if not self.is_classifier:
            return []
        return [(name, float(p)) for name, p in zip(self.model.labels, self.trace.probs, strict=True)]

    def target_label(self) -> str | None:
        """The label the loss is scored at (the chosen one, else the predicted one)."""
        if not self.is_classifier:
            return None
        return self.model.labels[self.trace.label]

    def top_label(self) -> tuple[str, float] | None:
        """The predicted class and its probability (None for a model that is no classifier)."""
        probs = self.class_probs()
        return max(probs, key=lambda lp: lp[1]) if probs else None

    @command
    def set_label(self, name: str | None) -> None:
        """Score the loss at this label (None: at the predicted one)."""
        if not self.is_classifier:
            raise SimError(f"only a classifier has labels; this model's task is {self.model.task}")
        if name is not None and name not in self.model.labels:
            raise SimError(f"unknown label {name!r}: choose one of {', '.join(self.model.labels)}")
        if name != self.label:
            self.label = name
            self.grad_steps = 0
            self._changed(data=True)

    def cycle_label(self) -> None:  # (recorded as the set_label it makes)
        """The label after the one the loss is scored at, in the model's order and wrapping
        round; the predicted label stands for "None" (so the first press always moves the
        loss away from the prediction, and after every other label it comes back to it)."""
        if not self.is_classifier:
            raise SimError(f"only a classifier has labels; this model's task is {self.model.task}")
        labels = self.model.labels
        predicted = self.top_label()[0]
        at = labels.index(self.label if self.label is not None else predicted)
        nxt = labels[(at + 1) % len(labels)]
        if nxt == predicted:
            nxt = None
        self.set_label(nxt)
