"""The corpus a model is trained on, and the vocabulary built from it.

`read_corpus(path)` reads a UTF-8 file, one sentence per line, into a `Corpus` of
lower-cased token tuples, or raises a `CorpusError` that says what is wrong;
`Corpus.split(holdout)` picks the held-out lines; `build_vocab` makes the vocabulary from
the training lines. The rules (what is refused, which lines are held out, which words
become <unk>) are in rnnsim.core.train's docstring, under Corpus, Held-out part and
Vocabulary.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .bounded_read import BadInput, read_limited
from .limits import LIMITS
from .tokenizer import UNK, Vocab, tokenize


class CorpusError(ValueError):
    """A corpus that cannot be trained on; the message says why and what to do."""


@dataclass(frozen=True)
class Corpus:
    """Sentences as token tuples, one per non-blank line of the source: words lower-cased,
    or (tokenizer "char") characters as written. A classification corpus has one label
    per sentence: its lines are `label<TAB>text`."""

    sentences: tuple[tuple[str, ...], ...]
    source: str = "<sentences>"
    sha256: str = ""  # of the file's bytes (of the lines joined by newlines when not a file)
    labels: tuple[str, ...] | None = None  # per sentence, for task classify
    tokenizer: str = "word"

    @classmethod
    def from_lines(
        cls, lines: Iterable[str], source: str = "<sentences>", sha256: str = "", tokenizer: str = "word",
        classify: bool = False,
    ) -> Corpus:  # fmt: skip
        lines = list(lines)
        sentences, labels = [], []
        for number, line in enumerate(lines, 1):
            if classify:
                if not line.strip():
                    continue
                label, tab, line = line.partition("\t")
                if not tab or not label.strip() or not line.strip():
                    shown = label if len(label) <= 40 else label[:39] + "…"
                    raise CorpusError(
                        f"{source}:{number}: expected a label, a tab and the text, got {shown!r}; "
                        "write one example per line as label<TAB>text"
                    )
            toks = tokenize(line, tokenizer)
            toks = tuple(t.lower() for t in toks) if tokenizer == "word" else tuple(toks)
            if toks and (tokenizer == "word" or line.strip()):
                sentences.append(toks)
                labels.append(label.strip() if classify else None)
        digest = sha256 or hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()
        if not sentences:
            raise CorpusError(f"{source}: has no words to learn from")
        if classify and len(set(labels)) < 2:
            raise CorpusError(f"{source}: a classifier needs at least two labels; every line has {labels[0]!r}")
        return cls(tuple(sentences), source, digest, tuple(labels) if classify else None, tokenizer)

    def label_names(self) -> list[str]:
        """The labels in order of first appearance (a classifier's head rows)."""
        return list(dict.fromkeys(self.labels or ()))

    @property
    def n_tokens(self) -> int:
        return sum(len(s) for s in self.sentences)

    def split(self, holdout: float) -> tuple[list[int], list[int]]:
        """(training line indices, held-out line indices): every 1/holdout-th line held out."""
        if not 0.0 <= holdout < 1.0:
            raise ValueError(f"holdout must be a fraction from 0 to below 1, got {holdout!r}")
        held = [i for i in range(len(self.sentences)) if int((i + 1) * holdout) > int(i * holdout)]
        if len(held) >= len(self.sentences):  # never hold out everything
            held = []
        hs = set(held)
        return [i for i in range(len(self.sentences)) if i not in hs], held


def read_corpus(path: str | os.PathLike, tokenizer: str = "word", classify: bool = False) -> Corpus:
    """Read a UTF-8 corpus file, one sentence per line (label<TAB>text with classify);
    CorpusError says what is wrong."""
    path = Path(path)
    where = str(path)
    try:  # bounded: /dev/zero or a huge file stops at the limit instead of filling memory
        data = read_limited(path, LIMITS.input_bytes)
    except BadInput as e:
        raise CorpusError(f"{where}: {e}") from None
    if not data.strip():
        raise CorpusError(f"{where}: is empty: give one sentence per line")
    nul = data.find(b"\x00")
    if nul >= 0:
        raise CorpusError(f"{where}: looks like a binary file (a NUL byte at offset {nul}), not text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise CorpusError(
            f"{where}: is not UTF-8 text (byte 0x{data[e.start]:02x} at offset {e.start}); save it as UTF-8"
        ) from None
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\n\r\f\v")
    if controls > max(8, len(text) // 100):
        raise CorpusError(f"{where}: looks like a binary file ({controls} control characters), not text")
    return Corpus.from_lines(
        text.splitlines(), where, hashlib.sha256(data).hexdigest(), tokenizer=tokenizer, classify=classify
    )


def _as_corpus(corpus, tokenizer: str = "word", classify: bool = False) -> Corpus:
    if isinstance(corpus, Corpus):
        return corpus
    if isinstance(corpus, (str, os.PathLike)):
        return read_corpus(corpus, tokenizer, classify)
    if isinstance(corpus, Iterable):
        lines = list(corpus)
        if not all(isinstance(s, str) for s in lines):
            raise CorpusError("sentences must be strings, one sentence each")
        return Corpus.from_lines(lines, tokenizer=tokenizer, classify=classify)
    kind = type(corpus).__name__
    raise CorpusError(f"a corpus is a file path, a list of sentences or a Corpus, not {kind}")


def build_vocab(sentences: Iterable[Sequence[str]], min_count: int = 1) -> Vocab:
    """`<unk>` first, then tokens seen at least min_count times, in order of first appearance."""
    counts: dict[str, int] = {}
    for s in sentences:
        for t in s:
            counts[t] = counts.get(t, 0) + 1
    return Vocab([UNK, *(t for t, n in counts.items() if n >= min_count and t != UNK)])
