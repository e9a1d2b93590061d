"""Words and punctuation as tokens, and the vocabulary that maps them to ids.

Case: a token keeps its spelling for display ("The"), but is looked up in the
vocabulary first as written and then lower-cased, so "The" and "the" share an
id unless a model's vocabulary lists both. Failing both, the same two lookups
are tried on the token's NFC form (so a decomposed "café" finds "café").
Vocabularies built here from text are lower-case. Nothing in a token is ever
interpreted (no markup, no escapes).

Unicode: combining marks stay on their letter ("naïve" written with a combining
diaeresis, Devanagari vowel signs), and an emoji stays whole with its skin-tone
modifier, variation selector or zero-width-joiner sequence; a flag is one token.
Invisible format characters that carry no letters (zero-width space, byte-order
mark, direction marks) separate tokens like a space; a soft hyphen vanishes.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence

from .limits import LIMITS, raise_hint
from .safe_text import safe_text

UNK = "<unk>"

# A word is a run of letters/digits, optionally joined by apostrophes or
# hyphens inside it ("don't", "well-known"); any other visible character
# (punctuation, symbols, emoji) is a token of its own.
_TOKEN = re.compile(r"\w+(?:['’\-]\w+)*|[^\w\s]", re.UNICODE)

_ZWJ, _ZWNJ = "\u200d", "\u200c"
_INVISIBLE = str.maketrans(
    {c: " " for c in "\u200b\ufeff\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e"
                     "\u2066\u2067\u2068\u2069"}
    | {"\u00ad": None, "\u2060": None}
)  # fmt: skip


def _continues(ch: str) -> bool:
    """A character that belongs to the token before it: a combining mark, a joiner,
    an emoji skin-tone modifier or a tag character (subdivision flags)."""
    return (
        unicodedata.category(ch)[0] == "M"
        or ch in (_ZWJ, _ZWNJ)
        or "\U0001f3fb" <= ch <= "\U0001f3ff"
        or "\U000e0020" <= ch <= "\U000e007f"
    )


def _regional(ch: str) -> bool:
    return "\U0001f1e6" <= ch <= "\U0001f1ff"


def _joins(prev: str, tok: str) -> bool:
    """Does `tok`, written right after `prev`, continue it?"""
    if _continues(tok[0]) or prev[-1] == _ZWJ:
        return True
    if _continues(prev[-1]) and (tok[0].isalnum() or tok[0] == "_") and (prev[0].isalnum() or prev[0] == "_"):
        return True  # a word that a combining mark split: "nai" + U+0308 + "ve"
    # Flags are pairs of regional indicators.
    return _regional(tok[0]) and all(map(_regional, prev)) and len(prev) % 2 == 1


TOKENIZERS = ("word", "char")


def tokenize(text: str, kind: str = "word") -> list[str]:
    """Split text into word and punctuation tokens: "The cat sat." -> The cat sat .
    kind "char": every character is a token, as written (case kept, spaces included)."""
    if kind == "char":
        return list(text)
    text = text.translate(_INVISIBLE)
    if text.isascii():
        return _TOKEN.findall(text)
    tokens: list[str] = []
    end = -1
    for m in _TOKEN.finditer(text):
        tok = m.group()
        if m.start() == end and _joins(tokens[-1], tok):
            tokens[-1] += tok
        else:
            tokens.append(tok)
        end = m.end()
    return tokens


class Vocab:
    """An ordered list of tokens; index = id. Always contains `<unk>`.
    fold_case=False: look tokens up exactly as written (a character vocabulary)."""

    def __init__(self, tokens: Sequence[str], fold_case: bool = True):
        tokens = list(tokens)
        if UNK not in tokens:
            raise ValueError(f"the vocabulary must contain {UNK!r}")
        if len(tokens) > LIMITS.vocab_size:
            raise ValueError(
                f"the vocabulary has {len(tokens):,} words, over the limit of {LIMITS.vocab_size:,}; "
                f"{raise_hint('vocab_size')}"
            )
        if len(set(tokens)) != len(tokens):
            seen: set[str] = set()  # the first repeated word, in one pass (count() was quadratic)
            dup = next(t for t in tokens if t in seen or seen.add(t))
            raise ValueError(f"the vocabulary lists {safe_text(repr(dup))} twice")
        self.tokens: tuple[str, ...] = tuple(tokens)
        self._index = {t: i for i, t in enumerate(self.tokens)}
        self.unk_id = self._index[UNK]
        self.fold_case = fold_case

    @classmethod
    def from_texts(cls, texts: Iterable[str], kind: str = "word") -> Vocab:
        """`<unk>` first, then every token in order of first appearance: words lower-cased,
        characters as written."""
        seen: dict[str, None] = {UNK: None}
        for text in texts:
            for tok in tokenize(text, kind):
                seen.setdefault(tok.lower() if kind == "word" else tok, None)
        return cls(list(seen), fold_case=kind == "word")

    def __len__(self) -> int:
        return len(self.tokens)

    def __contains__(self, token: str) -> bool:
        return self.lookup(token) != self.unk_id or token == UNK

    def lookup(self, token: str) -> int:
        i = self._index.get(token)
        if not self.fold_case:
            return self.unk_id if i is None else i
        if i is None:
            i = self._index.get(token.lower())
        if i is None and not token.isascii():
            nfc = unicodedata.normalize("NFC", token)
            i = self._index.get(nfc)
            if i is None:
                i = self._index.get(nfc.lower())
        return self.unk_id if i is None else i

    def encode(self, tokens: Sequence[str]) -> list[int]:
        return [self.lookup(t) for t in tokens]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Vocab) and self.tokens == other.tokens and self.fold_case == other.fold_case

    def __repr__(self) -> str:
        return f"Vocab({len(self)} tokens)"
