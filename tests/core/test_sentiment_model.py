"""The shipped sentiment classifier: labels exactly negative/positive, and ordinary short
reviews written here (not by the training grammar) classified right, negated ones included."""

from __future__ import annotations

import pytest

from rnnsim.core.shipped import DATA_DIR, load_shipped
from rnnsim.core.tokenizer import tokenize

POSITIVE = [
    "The film is great.",
    "I loved the food and the staff.",
    "What a wonderful hotel.",
    "The service was excellent and the food was lovely.",
    "The staff were really nice.",
    "I enjoyed the concert.",
    "I will come back, I would recommend it.",
    "The music was lovely and the story was funny.",
    # negated negatives
    "The movie was not bad.",
    "The plot was never boring.",
    "The acting wasn't bad at all.",
    "The ending wasn't boring.",
    "The room is not ugly.",
]
NEGATIVE = [
    "The food was awful and the room was noisy.",
    "The movie was boring.",
    "The room was terrible.",
    "The story was dull and slow.",
    "I didn't like the film at all.",
    "I would not recommend the hotel.",
    # negated positives
    "The book was not good.",
    "The show wasn't great.",
    "The music was not interesting.",
    "The service isn't good.",
    "The hotel was never nice.",
    "The jokes weren't funny.",
]
# Long reviews whose deciding words come first, then a neutral part.
LONG = [
    ("positive", "The film was wonderful, we went there on a friday night with my sister and her friends, "
                 "and it lasted about two hours, and we took the bus home."),
    ("negative", "The food was not good, we had booked it a week before because it was our first time "
                 "there, and my parents came too, and we got home late."),
    ("negative", "I hated the hotel, it was in the city centre, we came back on sunday, the tickets were "
                 "ten dollars and there were many people."),
    ("positive", "The concert was never boring, my friend had read about it, we sat near the door, "
                 "and then we walked home after a long day at work."),
]  # fmt: skip


@pytest.fixture(scope="module")
def model():
    return load_shipped("sentiment")


def label_of(model, text):
    trace = model.run(text, loss=None)
    return model.labels[int(trace.probs.argmax())], trace.probs


def test_labels_are_exactly_negative_and_positive(model):
    assert model.labels == ("negative", "positive")
    assert model.task == "classify" and model.tokenizer == "word"


def test_the_test_reviews_are_not_training_lines():
    lines = (DATA_DIR / "reviews.txt").read_text(encoding="utf-8").splitlines()
    trained = {" ".join(t.lower() for t in tokenize(x.partition("\t")[2])) for x in lines}
    for text in POSITIVE + NEGATIVE + [t for _, t in LONG]:
        assert " ".join(t.lower() for t in tokenize(text)) not in trained, text


@pytest.mark.parametrize("text", POSITIVE)
def test_positive_reviews(model, text):
    label, probs = label_of(model, text)
    assert label == "positive", (text, probs)


@pytest.mark.parametrize("text", NEGATIVE)
def test_negative_reviews(model, text):
    label, probs = label_of(model, text)
    assert label == "negative", (text, probs)


@pytest.mark.parametrize(("want", "text"), LONG)
def test_long_reviews_decided_early(model, want, text):
    assert label_of(model, text)[0] == want


def test_not_flips_the_decision(model):
    for adj in ("good", "great", "boring", "bad"):
        plain = label_of(model, f"The film was {adj}.")[0]
        negated = label_of(model, f"The film was not {adj}.")[0]
        assert plain != negated, adj


def test_no_word_of_the_test_reviews_is_unknown(model):
    for text in POSITIVE + NEGATIVE:
        ids = model.vocab.encode(model.tokenize(text))
        assert model.vocab.unk_id not in ids, text
