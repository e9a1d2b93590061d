"""The tokenizer and the vocabulary's lookup rules."""

from __future__ import annotations

import unicodedata

import pytest

from rnnsim import Vocab, tokenize
from rnnsim.core import UNK


def test_the_cat_sat_on_the_mat():
    assert tokenize("The cat sat on the mat.") == ["The", "cat", "sat", "on", "the", "mat", "."]


@pytest.mark.parametrize(
    "text,tokens",
    [
        ("Hello, world!", ["Hello", ",", "world", "!"]),
        ("don't stop", ["don't", "stop"]),
        ("it’s well-known", ["it’s", "well-known"]),
        ("'quoted' -dash- --", ["'", "quoted", "'", "-", "dash", "-", "-", "-"]),
        ("3.14 costs $5...", ["3", ".", "14", "costs", "$", "5", ".", ".", "."]),
        ("snake_case x2", ["snake_case", "x2"]),
        ("  spaced\tout\nlines\r\n", ["spaced", "out", "lines"]),
        ("a\u00a0b\u3000c", ["a", "b", "c"]),  # no-break and ideographic spaces
        ("", []),
        ("   \n\t", []),
    ],
)
def test_words_and_punctuation(text, tokens):
    assert tokenize(text) == tokens


@pytest.mark.parametrize(
    "text,tokens",
    [
        ("[bold]x[/]", ["[", "bold", "]", "x", "[", "/", "]"]),
        ("[red on white]", ["[", "red", "on", "white", "]"]),
        ("<b>hi</b>", ["<", "b", ">", "hi", "<", "/", "b", ">"]),
        ("\x1b[31mred", ["\x1b", "[", "31mred"]),  # an escape character is just a character
        ("\\n {0} %s", ["\\", "n", "{", "0", "}", "%", "s"]),
    ],
)
def test_markup_is_never_interpreted(text, tokens):
    assert tokenize(text) == tokens


@pytest.mark.parametrize(
    "text,tokens",
    [
        ("naïve café", ["naïve", "café"]),
        (unicodedata.normalize("NFD", "naïve café."), unicodedata.normalize("NFD", "naïve café .").split()),
        ("Ünïcödé Straße", ["Ünïcödé", "Straße"]),
        ("猫が座った。", ["猫が座った", "。"]),
        ("हिन्दी भाषा", ["हिन्दी", "भाषा"]),  # vowel signs and virama are combining marks
        ("ภาษาไทย", ["ภาษาไทย"]),
        ("Привет, мир", ["Привет", ",", "мир"]),
        ("می\u200cخواهم", ["می\u200cخواهم"]),  # Persian: the non-joiner sits inside the word
        ("I ❤️ 🐈!", ["I", "❤️", "🐈", "!"]),
        ("👍🏽👍", ["👍🏽", "👍"]),  # skin-tone modifier stays on its emoji
        ("👨\u200d👩\u200d👧 ok", ["👨\u200d👩\u200d👧", "ok"]),  # a zero-width-joiner family
        ("🇫🇷🇩🇪", ["🇫🇷", "🇩🇪"]),  # flags are pairs of regional indicators
        ("1️⃣", ["1️⃣"]),
    ],
)
def test_unicode(text, tokens):
    assert tokenize(text) == tokens


@pytest.mark.parametrize(
    "text,tokens",
    [
        ("\ufeffThe cat", ["The", "cat"]),  # a byte-order mark at the start of a file
        ("one\u200btwo", ["one", "two"]),  # zero-width space
        ("co\u00adoperate", ["cooperate"]),  # soft hyphen
        ("a\u200e b\u200f", ["a", "b"]),  # direction marks
    ],
)
def test_invisible_characters(text, tokens):
    assert tokenize(text) == tokens


def test_tokens_are_never_empty_or_whitespace():
    text = "a \u0301 b\u200d \U0001f3fb c " + "".join(chr(c) for c in range(0x2000, 0x2070))
    for tok in tokenize(text):
        assert tok and not tok.isspace()


def test_every_character_is_kept_or_is_space():
    """Apart from whitespace and invisible format characters, tokens are the text itself."""
    text = "The 猫 sat—on «the» mat… 😀 (ok) #1 @me ½ ∑x"
    assert "".join(tokenize(text)) == "".join(text.split())


# ---------------------------------------------------------------- vocabulary


def test_vocab_lookup_case_rules():
    v = Vocab([UNK, "the", "The", "cat", "Paris"])
    assert v.lookup("the") == 1
    assert v.lookup("The") == 2  # as written first
    assert v.lookup("THE") == 1  # then lower-cased
    assert v.lookup("Cat") == 3 and v.lookup("CAT") == 3
    assert v.lookup("Paris") == 4
    assert v.lookup("paris") == 0  # lower-case text does not find a capitalised entry
    assert v.lookup("dog") == v.unk_id == 0
    assert v.encode(["The", "dog", "cat"]) == [2, 0, 3]


def test_vocab_lookup_normalisation():
    v = Vocab([UNK, "café", "naïve"])
    assert v.lookup(unicodedata.normalize("NFD", "café")) == 1
    assert v.lookup(unicodedata.normalize("NFD", "NAÏVE")) == 2


def test_unknown_words_map_to_unk():
    v = Vocab(["the", UNK, "cat"])
    assert v.unk_id == 1
    assert v.encode(tokenize("The zebra sat")) == [0, 1, 1]
    assert UNK in v and "cat" in v and "CAT" in v and "zebra" not in v


def test_vocab_from_texts():
    v = Vocab.from_texts(["The cat sat.", "the DOG sat!"])
    assert v.tokens == (UNK, "the", "cat", "sat", ".", "dog", "!")
    assert v.lookup("Dog") == 5


def test_vocab_refusals():
    with pytest.raises(ValueError, match="must contain '<unk>'"):
        Vocab(["a", "b"])
    with pytest.raises(ValueError, match="lists 'a' twice"):
        Vocab([UNK, "a", "b", "a"])


def test_vocab_equality():
    assert Vocab([UNK, "a"]) == Vocab([UNK, "a"])
    assert Vocab([UNK, "a"]) != Vocab(["a", UNK])
    assert len(Vocab([UNK, "a"])) == 2 and "2 tokens" in repr(Vocab([UNK, "a"]))
