"""Generation: a next-token model writes on from a prompt, feeding its own samples back.

    model = rnnsim.load_model("...")            # task next, one direction
    g = model.generate("The cat", tokens=8, temperature=0.8, seed=1)
    g.text                                      # the prompt and its continuation
    g.tokens, g.probs                           # what was emitted, the distribution each came from

Rules (where the issue was silent, the choice is written here):

Temperature
  T = 0 is greedy: the argmax of the logits at every step (ties: the lowest id). T > 0
  samples from softmax(logits / T): T < 1 sharpens the distribution towards the argmax,
  T > 1 flattens it towards uniform. `probs[k]` is the distribution step k sampled from
  (after temperature and the <unk> rule; for T = 0 the plain softmax, with the argmax taken).
Seed
  One generator, numpy.random.default_rng(seed), drawing one uniform number per sampled
  step: the same model, prompt, temperature and seed give the same text, bit for bit.
<unk>
  Never emitted while anything else has a probability above zero: its probability is set
  to zero and the rest renormalised (greedy: the argmax over the other tokens). A text
  made of "<unk>" would tell the learner nothing, and the id stands for many words.
  Only a vocabulary holding nothing but <unk> emits it.
Stopping
  At most `tokens` new tokens. `stop`: tokens after which generation ends early. By
  default a word model stops after a sentence's end (. ! ?): the shipped word models were
  trained on one sentence per line, so they never learned what follows one. A character
  model (trained on running text) goes on; pass stop=() to never stop early.
State
  The prompt is read once, through every layer (the same cell loops as `run`), then each
  sample is fed back as the next input: free running. Only task next can generate: a
  bidirectional (cloze) model needs the words to its right, and a classifier predicts a
  label, not a token.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .cells import Weights, make_cell
from .heads import softmax
from .tokenizer import UNK

MAX_TOKENS = 10_000
MAX_TEMPERATURE = 100.0
SENTENCE_END = (".", "!", "?")


class GenerateError(ValueError):
    """A generation that cannot run; the message says why and what to do."""


@dataclass(frozen=True)
class Generation:
    prompt: str  # as given (a token list is joined)
    prompt_tokens: tuple[str, ...]
    tokens: tuple[str, ...]  # the continuation, one token per step
    ids: tuple[int, ...]
    probs: np.ndarray  # [N, V]: the distribution each emitted token was drawn from
    temperature: float
    seed: int | None
    tokenizer: str

    @property
    def continuation(self) -> str:
        return join_tokens(self.tokens, self.tokenizer, after=self.prompt)

    @property
    def text(self) -> str:
        return self.prompt + self.continuation


def join_tokens(tokens, tokenizer: str, after: str = "") -> str:
    """Tokens as text written after `after`: characters as they are; words with a space
    before each, except before punctuation (one character, not a letter or digit)."""
    if tokenizer == "char":
        return "".join(tokens)
    out = []
    prev = after
    for tok in tokens:
        glue = "" if (not prev or prev[-1].isspace() or (len(tok) == 1 and not tok.isalnum())) else " "
        out.append(glue + tok)
        prev = tok
    return "".join(out)


def check_options(tokens, temperature, seed) -> tuple[int, float, int | None]:
    """The options, checked; a GenerateError names the one that is wrong."""
    if isinstance(tokens, bool) or not isinstance(tokens, (int, np.integer)) or not 1 <= tokens <= MAX_TOKENS:
        raise GenerateError(f"the number of tokens must be a whole number from 1 to {MAX_TOKENS}, got {tokens!r}")
    if isinstance(temperature, bool) or not isinstance(temperature, (int, float, np.floating, np.integer)):
        raise GenerateError(f"the temperature must be a number from 0 to {MAX_TEMPERATURE:g}, got {temperature!r}")
    temperature = float(temperature)
    if not (math.isfinite(temperature) and 0.0 <= temperature <= MAX_TEMPERATURE):
        raise GenerateError(f"the temperature must be a number from 0 to {MAX_TEMPERATURE:g}, got {temperature!r}")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0):
        raise GenerateError(f"the seed must be a whole number of at least 0, got {seed!r}")
    return int(tokens), temperature, None if seed is None else int(seed)


def check_can_generate(model) -> None:
    if model.task == "classify":
        raise GenerateError(
            "this model is a classifier: it predicts a label for the whole text, not the next token, "
            "so it cannot write on; use a next-token model (e.g. --model lstm or --model char)"
        )
    if model.task != "next" or model.bidirectional:
        raise GenerateError(
            "this model is bidirectional (it fills a blank from both sides): it needs the words to "
            "the right of the one it predicts, so it cannot write on; use a one-direction model"
        )


def distribution(logits: np.ndarray, temperature: float, unk_id: int | None) -> np.ndarray:
    """The distribution a step draws from: softmax(logits / T) with <unk> removed (see the
    module docstring); for T = 0 the plain softmax with <unk> removed."""
    z = logits / temperature if temperature > 0 else logits
    p = softmax(z)
    if unk_id is not None and len(p) > 1:
        p = p.copy()
        p[unk_id] = 0.0
        total = p.sum()
        if total > 0:
            p /= total
        else:  # every other token underflowed: fall back on the logits without <unk>
            z = np.where(np.arange(len(p)) == unk_id, -np.inf, z)
            p = softmax(z)
    return p


def choose(p: np.ndarray, logits: np.ndarray, temperature: float, unk_id, rng) -> int:
    """Greedy (T = 0: the argmax of the logits, <unk> left out) or one draw from p."""
    if temperature == 0:
        z = logits.copy()
        if unk_id is not None and len(z) > 1:
            z[unk_id] = -np.inf
        return int(np.argmax(z))
    cdf = np.cumsum(p)
    i = int(np.searchsorted(cdf, rng.random() * cdf[-1], side="right"))
    i = min(i, len(p) - 1)
    while p[i] == 0 and i > 0:  # rounding at the very top of the cdf: step back to a real token
        i -= 1
    return i


class FreeRunner:
    """One direction of every layer, advanced one token at a time; `feed(id)` reads a token
    and returns the logits for the next one. Used by generate and by the app's
    teacher-forcing / free-running comparison."""

    def __init__(self, model):
        check_can_generate(model)
        self.model = model
        self.cell = make_cell(model.cell, model.nonlinearity)
        self._w = []
        for k in range(model.num_layers):
            w_ih, w_hh, b_ih, b_hh = model.layer_params(k, "forward")
            self._w.append((w_ih, b_ih, Weights(w_hh, b_hh)))
        H = model.hidden
        self.state = [(np.zeros(H), np.zeros(H)) for _ in self._w]

    def feed(self, token_id: int) -> np.ndarray:
        x = self.model.params["embedding.weight"][token_id]
        for k, (w_ih, b_ih, w) in enumerate(self._w):
            h, c = self.state[k]
            st = self.cell.forward((w_ih @ x + b_ih)[None], w, h, c)
            h = st["h"][0]
            self.state[k] = (h, st["c"][0] if "c" in st else c)
            x = h
        return self.model.params["head.weight"] @ x + self.model.params["head.bias"]


def generate(model, prompt, tokens: int = 20, temperature: float = 1.0, seed: int | None = 0, stop=None) -> Generation:
    """Continue `prompt` (a string or a token list) by up to `tokens` tokens; see the module
    docstring for temperature, seed, <unk> and stopping."""
    check_can_generate(model)
    n, temperature, seed = check_options(tokens, temperature, seed)
    if isinstance(prompt, str):
        text = prompt
        if not prompt.strip() if model.tokenizer == "word" else not prompt:
            raise GenerateError("the prompt is empty: give the first word(s) for the model to continue")
        prompt_tokens = model.tokenize(prompt)
    else:
        prompt_tokens = [str(t) for t in prompt]
        if not prompt_tokens:
            raise GenerateError("the prompt is empty: give the first word(s) for the model to continue")
        text = join_tokens(prompt_tokens, model.tokenizer)
    if stop is None:
        stop = SENTENCE_END if model.tokenizer == "word" else ()
    stop = frozenset(stop)
    vocab = model.vocab
    unk_id = vocab.unk_id if UNK in vocab.tokens else None
    runner = FreeRunner(model)
    for tid in vocab.encode(prompt_tokens):
        logits = runner.feed(tid)
    rng = np.random.default_rng(seed)
    out_ids, out_probs = [], []
    for _ in range(n):
        p = distribution(logits, temperature, unk_id)
        i = choose(p, logits, temperature, unk_id, rng)
        out_ids.append(i)
        out_probs.append(p)
        if vocab.tokens[i] in stop:
            break
        logits = runner.feed(i)
    return Generation(
        prompt=text,
        prompt_tokens=tuple(prompt_tokens),
        tokens=tuple(vocab.tokens[i] for i in out_ids),
        ids=tuple(out_ids),
        probs=np.array(out_probs),
        temperature=temperature,
        seed=seed,
        tokenizer=model.tokenizer,
    )


@dataclass(frozen=True)
class ForcedAndFree:
    """Two ways of reading a text, one guess per position (the token guessed for t+1):
    teacher forcing reads the real token t at every step; free running reads the real
    tokens only up to `prompt_len`, then its own previous guess."""

    prompt_len: int
    teacher: tuple[int, ...]  # ids guessed after reading the real tokens 0..t
    free: tuple[int, ...]  # ids guessed after reading the prompt, then its own guesses
    free_read: tuple[int, ...]  # what free running read at each position

    def agree(self, targets) -> tuple[list[bool], list[bool]]:
        """Per scored position (t with a real next token): did each row guess it?"""
        pairs = [(t, y) for t, y in enumerate(targets) if y is not None]
        return [self.teacher[t] == y for t, y in pairs], [self.free[t] == y for t, y in pairs]


def teacher_vs_free(model, ids, prompt_len: int, temperature: float = 0.0, seed: int | None = 0) -> ForcedAndFree:
    """Run both readings of `ids` side by side; each row picks its guesses by the same rule
    as generate (T = 0 greedy; otherwise sampled, each row with its own generator seeded
    alike, so where the rows read the same tokens they guess the same)."""
    check_can_generate(model)
    _, temperature, seed = check_options(1, temperature, seed)
    ids = [int(i) for i in ids]
    if not 1 <= prompt_len <= len(ids):
        raise GenerateError(f"the prompt must be 1 to {len(ids)} tokens long, got {prompt_len}")
    unk_id = model.vocab.unk_id
    rows = {"teacher": FreeRunner(model), "free": FreeRunner(model)}
    rngs = {k: np.random.default_rng(seed) for k in rows}
    guesses: dict[str, list[int]] = {k: [] for k in rows}
    read: list[int] = []
    for t, real in enumerate(ids):
        for k, runner in rows.items():
            tid = real if k == "teacher" or t < prompt_len else guesses["free"][-1]
            if k == "free":
                read.append(tid)
            logits = runner.feed(tid)
            guesses[k].append(choose(distribution(logits, temperature, unk_id), logits, temperature, unk_id, rngs[k]))
    return ForcedAndFree(prompt_len, tuple(guesses["teacher"]), tuple(guesses["free"]), tuple(read))
