"""scripts/make_models.py builds the char and sentiment models from the texts shipped
beside them, the same bytes every time (the full `--check` retrains them completely)."""

from __future__ import annotations

import hashlib
import importlib.util
import sys
from pathlib import Path

import pytest

from rnnsim.core.shipped import DATA_DIR, load_shipped

ROOT = Path(__file__).resolve().parents[2]


def make_models():
    sys.path.insert(0, str(ROOT / "scripts"))
    spec = importlib.util.spec_from_file_location("make_models", ROOT / "scripts" / "make_models.py")
    mm = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mm)
    return mm


@pytest.mark.parametrize(("name", "text"), [("char", "everyday.txt"), ("sentiment", "reviews.txt")])
def test_trained_on_the_shipped_text(name, text):
    digest = hashlib.sha256((DATA_DIR / text).read_bytes()).hexdigest()
    assert load_shipped(name).meta["train.corpus_sha256"] == digest, f"{name}: run scripts/make_models.py"


def test_the_shipped_texts_are_what_the_scripts_write():
    mm = make_models()
    from reviews import reviews

    assert (DATA_DIR / "reviews.txt").read_text(encoding="utf-8") == "\n".join(reviews()) + "\n"
    from wordcorpus import first_animal_corpus

    # the char model's text quotes the first (animals-only) corpus, kept as it was
    animals, _ = first_animal_corpus()
    assert (DATA_DIR / "everyday.txt").read_text(encoding="utf-8") == "\n".join(mm.make_everyday(animals)) + "\n"


def test_a_short_build_is_reproducible():
    # sentiment only: an epoch of char takes far longer; `make_models.py --check` retrains both
    mm = make_models()
    a, res = mm.build("sentiment", epochs=1)
    b, _ = mm.build("sentiment", epochs=1)
    assert a == b
    assert res.model.labels == ("negative", "positive")
    assert len(mm.char_vocab()) == 96 and mm.FILE_DTYPES["char"] == "float16"
