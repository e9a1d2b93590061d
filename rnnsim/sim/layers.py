"""Which layer of a stacked model the panels show, and how much gradient reaches each
layer's input (the gradient view's walk down through the stack).

Layers are numbered from 1 (the bottom, which reads the words) to L (the top, which the
head reads) wherever a person reads them; `shown_layer` is the 0-based index into
`trace.layers`. A new session shows the top layer: the one whose state the head reads.

The gradient at layer k's input: for k > 0 it is what layer k-1's output receives from
above; for the bottom layer it is dL/dx at the embeddings (the core's `dx`). Each
direction adds W_ih^T times its gradient at the input-side pre-activations (the core's
`dgates`), as PyTorch's autograd sums them. This accessor lives here, not in the core:
the core's trace keeps the pre-activation gradients, from which it follows in one product.
"""

from __future__ import annotations

import numpy as np

from .errors import SimError
from .recording import command


class LayerView:
    """The layer selector and the per-layer gradient numbers (part of Simulation)."""

    shown_layer: int = 0

    @property
    def num_layers(self) -> int:
        return self.model.num_layers

    def layer_directions(self) -> dict:
        """The shown layer's DirectionTrace by direction ("forward", "reverse")."""
        return self.trace.layers[self.shown_layer]

    def layer_caption(self) -> str:
        """'layer 2 of 3' for a stacked model; '' for one layer (nothing to choose)."""
        if self.num_layers == 1:
            return ""
        top = " (top)" if self.shown_layer == self.num_layers - 1 else ""
        return f"layer {self.shown_layer + 1} of {self.num_layers}{top}"

    def layer_input_grads(self, layer: int) -> np.ndarray | None:
        """[T, width of the layer's input] dL/d(input of layer `layer`, 0-based); None
        without a loss. The bottom layer's input is the embeddings: the core's dx."""
        tr = self.trace
        if tr.dx is None:
            return None
        if layer == 0:
            return tr.dx
        return self._cached(
            ("layer_in", layer), lambda: _input_grad(self.model, tr.layers[layer], layer), per_layer=False
        )

    def layer_input_grad_norms(self, layer: int) -> np.ndarray | None:
        """||dL/d(input of layer)|| per position."""
        g = self.layer_input_grads(layer)
        if g is None:
            return None
        return self._cached(("layer_in_norm", layer), lambda: np.linalg.norm(g, axis=1), per_layer=False)

    def stack_grad_totals(self) -> list[float] | None:
        """Bottom to top: the norm of dL/d(input) of each layer over the whole text (how
        much gradient reaches it); None without a loss. Once per trace: the gradient view
        shows it on every frame, and over a long text it is a norm of [T, E] per layer."""
        if self.trace.dx is None:
            return None
        return self._cached(
            "stack_totals",
            lambda: [float(np.linalg.norm(self.layer_input_grads(k))) for k in range(self.num_layers)],
            per_layer=False,
        )

    # ------------------------------------------------------------ commands

    @command
    def set_layer(self, n: int) -> None:
        """Show layer n (1 = the bottom, L = the top)."""
        L = self.num_layers
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or not 1 <= n <= L:
            which = "this model has one layer" if L == 1 else f"choose 1 to {L} (1 is the bottom, {L} the top)"
            raise SimError(f"there is no layer {n!r}: {which}")
        if n - 1 != self.shown_layer:
            self.shown_layer = int(n) - 1
            self._view_changed()

    def layer_up(self) -> None:  # (recorded as the set_layer it makes)
        """Show the layer above (toward the head)."""
        if self.shown_layer + 1 >= self.num_layers:
            raise SimError(self._edge("top", "the head reads it"))
        self.set_layer(self.shown_layer + 2)

    def layer_down(self) -> None:
        """Show the layer below (toward the words)."""
        if self.shown_layer == 0:
            raise SimError(self._edge("bottom", "it reads the words"))
        self.set_layer(self.shown_layer)

    def _edge(self, end: str, why: str) -> str:
        if self.num_layers == 1:
            return "this model has one layer: there is no other to show"
        return f"already at the {end} layer, {self.shown_layer + 1} of {self.num_layers}: {why}"

    def _clamp_layer(self) -> None:
        """A model with another number of layers shows its top layer (the one the head
        reads); a new text or a model of the same depth keeps the chosen layer."""
        if getattr(self, "_layers_seen", None) != self.num_layers:
            self.shown_layer = self.num_layers - 1
            self._layers_seen = self.num_layers


def _input_grad(model, layer_trace: dict, k: int) -> np.ndarray:
    """Sum over directions of dL/d(pre-activations, input side) @ W_ih."""
    total = None
    for d, dt in layer_trace.items():
        da_x = np.concatenate(list(dt.dgates.values()), axis=1)  # [T, G*H], the core's row order
        w_ih = model.layer_params(k, d)[0]
        g = da_x @ w_ih
        total = g if total is None else total + g
    return total
