"""Words and punctuation as tokens, and the vocabulary that maps them to ids.

Case: a token keeps its spelling for display ("The"), but is looked up in the
vocabulary first as written and then lower-cased, so "The" and "the" share an
id unless a model's vocabulary lists both. Vocabularies built here from text
are lower-case. Nothing in a token is ever interpreted (no markup, no escapes).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

UNK = "<unk>"

# A word is a run of letters/digits, optionally joined by apostrophes or
# hyphens inside it ("don't", "well-known"); any other visible character
# (punctuation, symbols, emoji) is a token of its own.
_TOKEN = re.compile(r"\w+(?:['’\-]\w+)*|[^\w\s]", re.UNICODE)


def tokenize(text: str) -> list[str]:
    """Split text into word and punctuation tokens: "The cat sat." -> The cat sat ."""
    return _TOKEN.findall(text)


class Vocab:
    """An ordered list of tokens; index = id. Always contains `<unk>`."""

    def __init__(self, tokens: Sequence[str]):
        tokens = list(tokens)
        if UNK not in tokens:
            raise ValueError(f"the vocabulary must contain {UNK!r}")
        if len(set(tokens)) != len(tokens):
            dup = next(t for t in tokens if tokens.count(t) > 1)
            raise ValueError(f"the vocabulary lists {dup!r} twice")
        self.tokens: tuple[str, ...] = tuple(tokens)
        self._index = {t: i for i, t in enumerate(self.tokens)}
        self.unk_id = self._index[UNK]

    @classmethod
    def from_texts(cls, texts: Iterable[str]) -> Vocab:
        """`<unk>` first, then every lower-cased token in order of first appearance."""
        seen: dict[str, None] = {UNK: None}
        for text in texts:
            for tok in tokenize(text):
                seen.setdefault(tok.lower(), None)
        return cls(list(seen))

    def __len__(self) -> int:
        return len(self.tokens)

    def __contains__(self, token: str) -> bool:
        return self.lookup(token) != self.unk_id or token == UNK

    def lookup(self, token: str) -> int:
        i = self._index.get(token)
        if i is None:
            i = self._index.get(token.lower(), self.unk_id)
        return i

    def encode(self, tokens: Sequence[str]) -> list[int]:
        return [self.lookup(t) for t in tokens]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Vocab) and self.tokens == other.tokens

    def __repr__(self) -> str:
        return f"Vocab({len(self)} tokens)"
