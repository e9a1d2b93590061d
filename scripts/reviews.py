"""Short reviews for the sentiment classifier, from a small grammar written for this project.

`reviews(seed, n)` returns "label<TAB>review" lines, labels "negative" and "positive"
(a negative line first, so the model's labels are exactly ["negative", "positive"]).
What the grammar teaches:
  * plain opinions: "the film was great ." / "the food is awful ." / "it was fun ."
  * negation flips them: "not good", "wasn't great", "never boring", "not bad at all",
    "i didn't like ...", "i would not recommend it";
  * long reviews whose deciding clause comes first, then 8-30 words that say nothing
    about the verdict ("we went on a friday with my sister , ..."), so the verdict has to be
    carried to the end, where the classifier reads the state;
  * a few with the neutral part first and the verdict last.
"""

from __future__ import annotations

SUBJECTS_SG = [
    "the film", "the movie", "the book", "the food", "the hotel", "the service", "the show",
    "this phone", "the game", "the music", "the story", "the acting", "the room", "the meal",
    "the concert", "the plot", "the ending", "the restaurant", "the trip", "this place", "it",
]  # fmt: skip
SUBJECTS_PL = ["the staff", "the actors", "the songs", "the rooms", "the waiters", "the jokes"]
GOOD = [
    "good", "great", "excellent", "wonderful", "amazing", "fun", "lovely", "brilliant", "enjoyable",
    "nice", "perfect", "fantastic", "interesting", "exciting", "funny", "charming", "beautiful",
]  # fmt: skip
BAD = [
    "bad", "terrible", "awful", "boring", "dull", "poor", "horrible", "disappointing", "slow",
    "bland", "weak", "annoying", "ugly", "rude", "awkward", "messy", "noisy",
]  # fmt: skip
INTENSIFIERS = ["", "", "", "really ", "very ", "so ", "quite ", "truly "]
LIKE = ["liked", "loved", "enjoyed"]
HATE = ["hated", "disliked"]
FILLER = [
    "we went on a friday night", "with my sister and her friends", "after a long day at work",
    "because it was raining", "and we sat near the door", "the tickets were ten dollars",
    "we took the bus there", "my friend had read about it", "it was our first time there",
    "and it lasted about two hours", "we came back on sunday", "it was in the city centre",
    "and we got home late", "my parents came too", "we paid at the door", "it was in june",
    "and then we walked home", "we had booked it a week before", "there were many people",
]  # fmt: skip


def _pick(rng, xs):
    return xs[int(rng.integers(len(xs)))]


def _verdict(rng) -> tuple[str, str]:
    """(label, clause): one opinion, plain or negated."""
    plural = rng.random() < 0.2
    subj = _pick(rng, SUBJECTS_PL if plural else SUBJECTS_SG)
    was = _pick(rng, ["were", "are"] if plural else ["was", "is"])
    positive = rng.random() < 0.5
    adj = _pick(rng, GOOD if positive else BAD)
    other = _pick(rng, GOOD if positive else BAD)
    inten = _pick(rng, INTENSIFIERS)
    kind = int(rng.integers(10))
    if kind <= 2:
        return ("positive" if positive else "negative"), f"{subj} {was} {inten}{adj}"
    if kind == 3:
        return ("positive" if positive else "negative"), f"{subj} {was} {adj} and {other}"
    if kind in (4, 5):  # negated: the opinion flips
        neg = _pick(rng, [f"{was} not", f"{was}n't", f"{was} never", f"{was} not very"])
        tail = " at all" if not positive and "very" not in neg and rng.random() < 0.3 else ""
        return ("negative" if positive else "positive"), f"{subj} {neg} {adj}{tail}"
    if kind == 6:
        verb = _pick(rng, LIKE if positive else HATE)
        return ("positive" if positive else "negative"), f"i {inten}{verb} {subj}"
    if kind == 7:
        neg = _pick(rng, ["didn't like", "did not like", "didn't enjoy", "never liked", "did not enjoy"])
        tail = " at all" if rng.random() < 0.3 else ""  # "at all" strengthens either way
        return "negative", f"i {neg} {subj}{tail}"
    if kind == 8:
        rec = _pick(rng, ["i would recommend it", "i would go again", "i will come back"])
        nrec = _pick(rng, ["i would not recommend it", "i would never go again", "i won't come back"])
        return ("positive", rec) if positive else ("negative", nrec)
    return (
        "positive" if positive else "negative"
    ), f"what a{'n' if adj[0] in 'aeiou' else ''} {adj} {'time' if subj == 'it' else subj.split()[-1]}"


def review(rng) -> tuple[str, str]:
    label, clause = _verdict(rng)
    r = rng.random()
    if r < 0.5:
        return label, f"{clause} ."
    filler: list[str] = []
    want = int(rng.integers(8, 31))
    while sum(len(f.split()) for f in filler) < want:
        f = _pick(rng, FILLER)
        if f not in filler:
            filler.append(f)
    middle = " , ".join(filler)
    if r < 0.9:  # the deciding words first, then a long neutral part
        return label, f"{clause} , {middle} ."
    return label, f"{middle} , and {clause} ."


def reviews(seed: int = 11, n: int = 3000) -> list[str]:
    import numpy as np

    rng = np.random.default_rng(seed)
    lines: dict[str, None] = {}  # no review twice: the held-out lines are never trained on
    while len(lines) < n:
        label, text = review(rng)
        if not lines and label != "negative":
            continue  # the first line fixes the label order: negative, positive
        lines.setdefault(f"{label}\t{text}", None)
    return list(lines)
