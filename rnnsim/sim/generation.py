"""Generation in a session: the model writes on, at a temperature the user sets, and the
teacher-forcing / free-running comparison the app shows.

  sample_next       append the model's own pick for the next token to the text and read it
  set_temperature   0 (greedy) to 100; `temperature_up`/`_down` walk TEMPERATURES
  set_free_run      show both rows of guesses: reading the real text (teacher forcing)
                    and reading its own guesses from the cursor on (free running)

The picks follow rnnsim.core.generate (softmax(logits / T), <unk> never picked). The k-th
sample of a session uses seed k, so a session (or a scene) replays the same text.
"""

from __future__ import annotations

import numpy as np

from ..core.generate import (
    MAX_TEMPERATURE,
    ForcedAndFree,
    GenerateError,
    check_can_generate,
    distribution,
    generate,
    join_tokens,
    teacher_vs_free,
)
from .errors import SimError
from .recording import command

TEMPERATURES = (0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0)


class GenerationView:
    # Plain class attributes (not dataclass fields): the session's starting values.
    temperature: float = 1.0
    samples_drawn: int = 0  # the seed of the next sample
    show_generation: bool = False  # the app shows the generation row once any of its keys is used
    show_free_run: bool = False

    def can_generate(self) -> str | None:
        """None, or why this model cannot write on (in the user's words)."""
        try:
            check_can_generate(self.model)
        except GenerateError as e:
            return str(e)
        return None

    @command
    def set_temperature(self, value: float) -> None:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= MAX_TEMPERATURE:
            raise SimError(f"the temperature must be a number from 0 to {MAX_TEMPERATURE:g}, got {value!r}")
        self.temperature = float(value)
        self.show_generation = True
        self._changed()

    def temperature_up(self) -> None:
        higher = [t for t in TEMPERATURES if t > self.temperature]
        self.set_temperature(higher[0] if higher else self.temperature)

    def temperature_down(self) -> None:
        lower = [t for t in TEMPERATURES if t < self.temperature]
        self.set_temperature(lower[-1] if lower else self.temperature)

    def sample(self, n: int = 1) -> None:
        """Write n tokens on, one sample_next each (a scene's `sample = n`)."""
        for _ in range(n):
            self.sample_next()

    @command
    def sample_next(self) -> None:
        """Extend the text with one token the model picks after reading all of it, and read
        up to the end (so the new token is read and its own guess shows)."""
        why = self.can_generate()
        if why:
            raise SimError(why)
        chars = self.model.tokenizer == "char"  # reads the text as characters, not the session's words
        prompt = self.text if chars else self.tokens
        g = generate(self.model, prompt, tokens=1, temperature=self.temperature, seed=self.samples_drawn, stop=())
        text = self.text + join_tokens(g.tokens, self.model.tokenizer, after=self.text)
        self.samples_drawn += 1
        self.show_generation = True
        self.set_text(text)
        self.to_end()

    @command
    def set_free_run(self, on: bool) -> None:
        why = self.can_generate()
        if why and on:
            raise SimError(why)
        self.show_free_run = bool(on)
        self.show_generation = True
        self._changed()

    def toggle_free_run(self) -> None:
        self.set_free_run(not self.show_free_run)

    def next_pick(self, k: int = 4) -> list[tuple[str, float]]:
        """The k likeliest next tokens after the whole text as g would draw them: at the
        session's temperature (T = 0: the plain softmax), <unk> left out."""
        p = distribution(self.trace.logits[-1], self.temperature, self.model.vocab.unk_id)
        idx = np.argsort(-p, kind="stable")[:k]
        return [(self.model.vocab.tokens[i], float(p[i])) for i in idx]

    def free_run_prompt(self) -> int:
        """Free running reads the real text up to the cursor; with the cursor at the start
        or the end (nothing to compare after it), only the first token."""
        return self.cursor if 1 <= self.cursor < self.T else 1

    def forced_and_free(self) -> ForcedAndFree:
        """Both rows of guesses for the current text, temperature and cursor (cached per
        trace and setting; seed 0, so the rows stay put while the user looks at them)."""
        key = ("free_run", self.free_run_prompt(), self.temperature)
        return self._cached(
            key,
            lambda: teacher_vs_free(
                self.model, self.model.vocab.encode(self.tokens), self.free_run_prompt(), self.temperature, 0
            ),
        )
