"""The shipped character model: every printable ASCII character has its own id, and on
ordinary sentences it never saw it beats a character bigram computed here, by the issue's
bars (>= 35% of next characters right, <= 3.3 bits per character)."""

from __future__ import annotations

import math
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from rnnsim.core.shipped import DATA_DIR, load_shipped
from rnnsim.core.tokenizer import UNK

# Written for this test: ordinary sentences, none of them in the training text.
UNSEEN = [
    "I think it's going to rain, so take an umbrella.",
    "She forgot her keys at the office again.",
    "We are going to visit my grandmother on Sunday.",
    "The coffee in this place is really good.",
    "Can you tell me where the nearest station is?",
    "My brother bought a new car last month.",
    "It was cold outside, so we stayed at home.",
    "Please call me when you get to the airport.",
    "The children were playing in the park all afternoon.",
    "He said that the meeting was cancelled.",
    "I don't know what time the shop opens.",
    "They have lived in this town for ten years.",
    "The dog is sleeping on the sofa in the living room.",
    "Did you see the news this morning?",
    "We need to buy some bread and milk for breakfast.",
    "The teacher asked the students to read the first chapter.",
    "It's been a long week, and I'm really tired.",
    "Our neighbours are having a party tonight.",
    "She walked to the market because the bus was late.",
    "Let's meet in front of the library at noon.",
]


@pytest.fixture(scope="module")
def char():
    return load_shipped("char")


@pytest.fixture(scope="module")
def training_text():
    return (DATA_DIR / "everyday.txt").read_text(encoding="utf-8")


def test_every_printable_ascii_character_has_its_own_id(char):
    printable = [chr(c) for c in range(32, 127)]
    ids = char.vocab.encode(printable)
    assert char.vocab.unk_id not in ids
    assert len(set(ids)) == 95
    assert len(char.vocab) == 96 and UNK in char.vocab.tokens
    assert char.tokenizer == "char" and char.task == "next" and char.cell == "lstm"
    assert char.tokenize("Hi, you!") == list("Hi, you!")


def test_the_test_sentences_are_not_in_the_training_text(training_text):
    for s in UNSEEN:
        assert s not in training_text
        assert s.rstrip(".?") not in training_text


def bigram_scores(text: str, sentences) -> tuple[float, float]:
    """(top-1 accuracy, bits per character) of an add-one character bigram over the 95
    printable ASCII characters, counted on `text` (its lines; no pair across a line end)."""
    alphabet = [chr(c) for c in range(32, 127)]
    pairs = Counter()
    for line in text.splitlines():
        pairs.update(zip(line, line[1:], strict=False))
    table = {a: np.array([pairs[a, b] + 1.0 for b in alphabet]) for a in alphabet}
    right = bits = n = 0
    for s in sentences:
        for a, b in zip(s, s[1:], strict=False):
            row = table[a]
            right += alphabet[int(np.argmax(row))] == b
            bits -= math.log2(row[alphabet.index(b)] / row.sum())
            n += 1
    return right / n, bits / n


def model_scores(model, sentences) -> tuple[float, float]:
    """(top-1 accuracy, bits per character) predicting characters 2..n of each sentence
    from the ones before it; the state starts at zero at each sentence."""
    right = nats = n = 0
    for s in sentences:
        trace = model.run(s, loss="all")
        ids = model.vocab.encode(list(s))
        right += int(np.sum(trace.probs[:-1].argmax(axis=1) == ids[1:]))
        nats += trace.loss
        n += len(s) - 1
    return right / n, nats / n / math.log(2)


def test_beats_a_character_bigram_on_unseen_sentences(char, training_text):
    acc, bpc = model_scores(char, UNSEEN)
    big_acc, big_bpc = bigram_scores(training_text, UNSEEN)
    assert acc >= 0.35, acc
    assert bpc <= 3.3, bpc
    assert acc > big_acc + 0.05, (acc, big_acc)
    assert bpc < big_bpc - 0.3, (bpc, big_bpc)


def test_generates_printable_text_without_unk(char):
    g = char.generate("The cat sat on the", tokens=60, temperature=0.8, seed=3)
    assert len(g.tokens) == 60 and UNK not in g.tokens
    assert all(32 <= ord(c) < 127 for c in g.continuation)
    # greedily it finishes a phrase its everyday text repeats (it once also finished "The cat
    # sat on the" with " mat."; retrained with the same maths and other rounding, it writes
    # " old ": a greedy path hangs on the last bits of the weights)
    assert char.generate("I think it", tokens=11, temperature=0).continuation == "'s going to"


def test_model_file_is_small():
    size = Path(DATA_DIR / "char.safetensors").stat().st_size
    assert size < 64 * 1024, size  # float16: tens of KB
