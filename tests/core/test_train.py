"""Training (rnnsim.core.train), the shipped models, and the long-range lesson."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from rnnsim.core import load_model, random_model, run
from rnnsim.core.corpus import Corpus, CorpusError, build_vocab, read_corpus
from rnnsim.core.minibatch import batch_loss_and_grads, make_batch
from rnnsim.core.modelfile import model_file_bytes, save_model  # noqa: E402
from rnnsim.core.network import targets_for
from rnnsim.core.optim import Adam, clip_grad_norm
from rnnsim.core.probes import fill_blank, load_probes, long_range_report, parse_probe, predict_next
from rnnsim.core.shipped import DATA_DIR, load_shipped
from rnnsim.core.train import StopTraining, TrainConfig, Trainer, new_model, train
from tests.torch_required import import_torch

ROOT = Path(__file__).resolve().parents[2]
TINY = [
    "the cat sat on the mat .",
    "the dog slept on the rug .",
    "the cat sat on the mat .",
    "a bird sang in the tree .",
    "the dog sat on the rug .",
    "the cat slept on the mat .",
]


def _make_models_module():
    spec = importlib.util.spec_from_file_location("make_models", ROOT / "scripts" / "make_models.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


# ---------------------------------------------------------------- batched maths == reference


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_batch_gradient_is_the_sum_of_model_run_gradients(cell, bidirectional):
    """Padding and masking are exact: a batch of sequences of different lengths gives the
    sum of what model.run gives for each (the reference path, itself checked against
    finite differences and torch)."""
    model = random_model(cell, hidden=5, embed=3, bidirectional=bidirectional, seed=3, forget_bias=1.0)
    texts = ["the cat sat on the mat .", "a dog ran", "the bird sat in the tree by the rug and it was .", "cat"]
    seqs, total, want = [], {}, 0.0
    for text in texts:
        tr = run(model, text, loss="all")
        ids = [int(i) for i in tr.ids]
        seqs.append((ids, targets_for(model, ids)))
        want += tr.loss
        for k, g in tr.grads.items():
            total[k] = total.get(k, 0.0) + g
    loss, grads, _ = batch_loss_and_grads(model, make_batch(seqs))
    assert loss == pytest.approx(want, rel=1e-12)
    assert set(grads) == set(total)
    for k in total:
        np.testing.assert_allclose(grads[k], total[k], rtol=1e-9, atol=1e-12, err_msg=k)


def test_relu_rnn_batch_gradient_matches_too():
    model = random_model("rnn", hidden=4, embed=3, seed=5, nonlinearity="relu")
    tr = run(model, "the cat sat on the mat .", loss="all")
    ids = [int(i) for i in tr.ids]
    loss, grads, _ = batch_loss_and_grads(model, make_batch([(ids, targets_for(model, ids))] * 2))
    assert loss == pytest.approx(2 * tr.loss)
    for k, g in tr.grads.items():
        np.testing.assert_allclose(grads[k], 2 * g, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_truncated_bptt_carries_the_state_across_chunks(cell):
    """A line cut into chunks of 3 tokens, state carried over: the evaluated loss is the
    loss of the whole line (the last token of a chunk is scored against the next chunk's first)."""
    line = "the cat sat on the mat and the dog slept on the rug ."
    model = random_model(cell, vocab=build_vocab([line.split()]), hidden=6, embed=4, seed=2)
    trainer = Trainer(model, [line], TrainConfig(bptt=3, holdout=0.0))
    loss, _ = trainer.evaluate()
    tr = run(model, line, loss="all")
    assert loss == pytest.approx(tr.loss / (len(tr.tokens) - 1), rel=1e-12)


def test_cloze_chunks_are_independent_sequences():
    line = "the cat sat on the mat and the dog slept on the rug ."
    model = random_model("lstm", vocab=build_vocab([line.split()]), hidden=4, embed=3, seed=2,
                         bidirectional=True)  # fmt: skip
    trainer = Trainer(model, [line], TrainConfig(bptt=5, holdout=0.0))
    loss, _ = trainer.evaluate()
    toks = line.split()
    parts = [toks[i : i + 5] for i in range(0, len(toks), 5)]
    want = sum(run(model, p, loss="all").loss for p in parts) / len(toks)
    assert loss == pytest.approx(want, rel=1e-12)


# ---------------------------------------------------------------- optimiser


def test_first_adam_step_moves_each_weight_by_lr_against_the_gradient_sign():
    p = {"w": np.array([1.0, -2.0, 0.5])}
    g = {"w": np.array([0.3, -4.0, 1e-3])}
    Adam(p, lr=0.1).step(p, g)
    # step 1: m_hat = g, v_hat = g^2, so the update is lr * g / (|g| + eps)
    want = np.array([1.0, -2.0, 0.5]) - 0.1 * g["w"] / (np.abs(g["w"]) + 1e-8)
    np.testing.assert_allclose(p["w"], want, rtol=1e-12)
    np.testing.assert_allclose(p["w"][:2], [0.9, -1.9], rtol=1e-7)


def test_adam_matches_the_textbook_formula_over_several_steps():
    rng = np.random.default_rng(0)
    p = {"a": rng.standard_normal((3, 2)), "b": rng.standard_normal(4)}
    q = {k: v.copy() for k, v in p.items()}
    opt = Adam(p, lr=0.01, betas=(0.8, 0.95), eps=1e-6)
    m = {k: np.zeros_like(v) for k, v in q.items()}
    v2 = {k: np.zeros_like(v) for k, v in q.items()}
    for t in range(1, 6):
        g = {k: rng.standard_normal(v.shape) for k, v in p.items()}
        opt.step(p, g)
        for k in q:
            m[k] = 0.8 * m[k] + 0.2 * g[k]
            v2[k] = 0.95 * v2[k] + 0.05 * g[k] ** 2
            q[k] -= 0.01 * (m[k] / (1 - 0.8**t)) / (np.sqrt(v2[k] / (1 - 0.95**t)) + 1e-6)
    for k in q:
        np.testing.assert_allclose(p[k], q[k], rtol=1e-12, atol=1e-14)


def test_adam_and_clipping_match_torch():
    torch = import_torch("the parity check needs it")
    rng = np.random.default_rng(1)
    p = {"a": rng.standard_normal((4, 3)), "b": rng.standard_normal(5)}
    tp = [torch.tensor(p[k].copy(), requires_grad=True) for k in ("a", "b")]
    topt = torch.optim.Adam(tp, lr=0.05)
    opt = Adam(p, lr=0.05)
    for _ in range(4):
        g = {k: 3.0 * rng.standard_normal(v.shape) for k, v in p.items()}
        for t, k in zip(tp, ("a", "b"), strict=True):
            t.grad = torch.tensor(g[k].copy())
        tnorm = float(torch.nn.utils.clip_grad_norm_(tp, 1.0))
        norm = clip_grad_norm(g, 1.0)
        assert norm == pytest.approx(tnorm, rel=1e-12)
        topt.step()
        opt.step(p, g)
        for t, k in zip(tp, ("a", "b"), strict=True):
            np.testing.assert_allclose(p[k], t.detach().numpy(), rtol=1e-12, atol=1e-14)


def test_clip_grad_norm_scales_to_the_limit_and_leaves_small_gradients_alone():
    g = {"a": np.array([3.0, 0.0]), "b": np.array([4.0])}
    assert clip_grad_norm(g, 1.0) == pytest.approx(5.0)
    assert math.sqrt(sum(float(v @ v) for v in g.values())) == pytest.approx(1.0, rel=1e-5)
    small = {"a": np.array([0.3, 0.4])}
    assert clip_grad_norm(small, 1.0) == pytest.approx(0.5)
    np.testing.assert_array_equal(small["a"], [0.3, 0.4])
    off = {"a": np.array([30.0, 40.0])}
    assert clip_grad_norm(off, 0.0) == pytest.approx(50.0)
    np.testing.assert_array_equal(off["a"], [30.0, 40.0])


def test_training_clips_exploding_gradients():
    """A relu RNN with a large learning rate: the clipped fraction is reported, the weights stay finite."""
    res = train(TINY * 3, "rnn", hidden=8, embed=4, epochs=3, lr=0.5, clip=0.1, seed=0,
                nonlinearity="relu", holdout=0.0)  # fmt: skip
    assert all(r.clipped == 1.0 for r in res.history)
    assert all(np.all(np.isfinite(v)) for v in res.model.params.values())


# ---------------------------------------------------------------- training behaviour


def test_training_learns_a_tiny_corpus():
    res = train(TINY * 5, "lstm", hidden=12, embed=6, epochs=25, lr=0.03, batch_size=4, seed=0, holdout=0.0)
    losses = [r.train_loss for r in res.history]
    assert losses[-1] < 0.5 * losses[0]
    assert predict_next(res.model, "The cat sat on the")[0][0] == "mat"
    assert not res.heldout and res.n_heldout == 0


def test_same_seed_same_bytes_other_seed_other_weights():
    kw = dict(hidden=6, embed=4, epochs=3, batch_size=2, holdout=0.2)
    a = train(TINY * 2, "gru", seed=7, **kw)
    b = train(TINY * 2, "gru", seed=7, **kw)
    c = train(TINY * 2, "gru", seed=8, **kw)
    assert model_file_bytes(a.model) == model_file_bytes(b.model)
    assert [r.train_loss for r in a.history] == [r.train_loss for r in b.history]
    assert model_file_bytes(a.model) != model_file_bytes(c.model)


@pytest.mark.parametrize("stop", [KeyboardInterrupt, StopTraining])
def test_interrupt_keeps_the_best_model_so_far(stop):
    snapshots = {}

    def callback(ev):
        if ev.kind == "epoch":
            snapshots[ev.epoch] = ev.trainer.current_model()
        if ev.kind == "batch" and ev.epoch == 4 and ev.batch == 2:
            raise stop()

    res = train(TINY * 4, "lstm", hidden=6, embed=4, epochs=10, batch_size=3, seed=0, holdout=0.25,
                lr=0.05, callback=callback)  # fmt: skip
    assert res.interrupted
    assert len(res.history) == 3
    best = min(res.history, key=lambda r: r.heldout_loss)
    assert res.best_epoch == best.epoch
    assert res.heldout_loss == best.heldout_loss
    for k, v in snapshots[best.epoch].params.items():
        np.testing.assert_array_equal(res.model.params[k], v)
    assert res.model.meta["train.epochs"] == "3"
    assert res.model.meta["train.best_epoch"] == str(best.epoch)


def test_interrupt_in_the_first_epoch_keeps_the_current_weights():
    def callback(ev):
        if ev.kind == "batch" and ev.batch == 2:
            raise KeyboardInterrupt

    res = train(TINY * 4, "rnn", hidden=6, embed=4, epochs=5, batch_size=3, seed=0, callback=callback)
    assert res.interrupted and res.best_epoch == 0 and res.history == []
    assert math.isfinite(res.heldout_loss)


def test_callback_sees_every_batch_and_epoch():
    events = []
    model = new_model("gru", build_vocab(s.split() for s in TINY), hidden=4, embed=3)
    trainer = Trainer(model, TINY * 3, TrainConfig(epochs=2, batch_size=4, holdout=0.0), callback=events.append)
    per_epoch = trainer.batches_per_epoch()
    assert per_epoch == math.ceil(18 / 4)
    res = trainer.run()
    kinds = [e.kind for e in events]
    assert kinds == (["batch"] * per_epoch + ["epoch"]) * 2
    assert events[-1].record == res.history[-1]
    assert events[-1].tokens == 2 * sum(len(s.split()) for s in TINY * 3)
    assert all(e.tokens_per_s > 0 for e in events)


def test_continue_training_an_existing_model_keeps_its_vocabulary():
    start = random_model("lstm", hidden=5, embed=3, seed=1)
    res = train(["the cat sat on the zebra ."] * 6, model=start, epochs=2, holdout=0.0)
    assert res.model.vocab == start.vocab and res.model.cell == "lstm"
    assert not np.array_equal(res.model.params["head.bias"], start.params["head.bias"])


def test_bidirectional_training_learns_the_cloze_task():
    res = train(TINY * 5, "gru", bidirectional=True, hidden=8, embed=6, epochs=30, lr=0.03,
                batch_size=4, seed=0, holdout=0.0)  # fmt: skip
    assert res.model.task == "cloze"
    assert fill_blank(res.model, "The cat ___ on the mat.")[0][0] == "sat"


def test_forget_bias_goes_to_the_gate_that_keeps_the_state():
    vocab = build_vocab([["a", "b"]])
    lstm = new_model("lstm", vocab, hidden=3, embed=2, seed=0)  # default +1
    assert lstm.forget_bias() == pytest.approx(random_model("lstm", vocab=vocab, hidden=3, embed=2,
                                                            seed=0).forget_bias() + 1.0)  # fmt: skip
    gru0 = new_model("gru", vocab, hidden=3, embed=2, seed=0)
    gru2 = new_model("gru", vocab, hidden=3, embed=2, seed=0, forget_bias=2.0)
    diff = gru2.params["rnn.bias_ih_l0"] - gru0.params["rnn.bias_ih_l0"]
    np.testing.assert_allclose(diff, [0, 0, 0, 2, 2, 2, 0, 0, 0])  # r | z | n


# ---------------------------------------------------------------- corpus


def test_vocabulary_is_lowercase_with_unk_first_and_min_count():
    corpus = Corpus.from_lines(["The Cat sat.", "the cat ran !", "", "the dog"])
    assert corpus.sentences[0] == ("the", "cat", "sat", ".")
    assert len(corpus.sentences) == 3  # the blank line is skipped
    v = build_vocab(corpus.sentences)
    assert v.tokens[:4] == ("<unk>", "the", "cat", "sat")
    v2 = build_vocab(corpus.sentences, min_count=2)
    assert v2.tokens == ("<unk>", "the", "cat")


def test_holdout_lines_are_evenly_spaced_and_independent_of_the_seed():
    corpus = Corpus.from_lines([f"line {i} ." for i in range(30)])
    tr, held = corpus.split(0.1)
    assert held == [9, 19, 29] and len(tr) == 27
    assert corpus.split(0.0)[1] == []
    assert Corpus.from_lines(["a b", "c d"]).split(0.1)[1] == []


def test_too_small_corpus_is_evaluated_on_its_training_lines():
    res = train(["the cat sat ."], "rnn", hidden=3, embed=2, epochs=1)
    assert not res.heldout and res.n_train == 1


@pytest.mark.parametrize(
    "content, message",
    [
        (None, "no such file"),
        (b"", "is empty"),
        (b"  \n\n \t\n", "is empty"),
        (b"the cat\x00\x01\x02 sat", "binary file (a NUL byte at offset 7)"),
        ("le chat était là\n".encode("latin-1"), "not UTF-8 text (byte 0xe9 at offset 8)"),
        (bytes(range(1, 32)) * 20 + b"abc", "binary file"),
        (b". , ! ?\n", None),  # only punctuation is still text
        (b"\xef\xbb\xbfthe cat sat .\n", None),  # a BOM is fine
    ],
)
def test_bad_corpus_files_are_refused_with_a_reason(tmp_path, content, message):
    path = tmp_path / "corpus.txt"
    if content is not None:
        path.write_bytes(content)
    if message is None:
        assert read_corpus(path).sentences
        return
    with pytest.raises(CorpusError, match="corpus.txt: .*" + message.replace("(", r"\(").replace(")", r"\)")):
        read_corpus(path)


def test_directory_and_single_token_corpora_are_refused(tmp_path):
    with pytest.raises(CorpusError, match="is a directory"):
        read_corpus(tmp_path)
    with pytest.raises(CorpusError, match="no line has two or more tokens"):
        train(["cat", "dog", "bird"], "rnn", hidden=3, embed=2, epochs=1)


def test_bad_options_are_refused():
    for kw, msg in [(dict(epochs=0), "epochs"), (dict(lr=-1.0), "learning rate"), (dict(holdout=1.0), "holdout"),
                    (dict(bptt=1), "bptt"), (dict(clip=-1.0), "clip"), (dict(batch_size=0), "batch size")]:  # fmt: skip
        with pytest.raises(ValueError, match=msg):
            train(TINY, "rnn", hidden=3, embed=2, **kw)


# ---------------------------------------------------------------- files


def test_model_file_bytes_are_reproducible_and_loadable(tmp_path):
    res = train(TINY, "lstm", hidden=4, embed=3, epochs=1, seed=0)
    data = model_file_bytes(res.model)
    assert data == model_file_bytes(res.model.copy())
    header = json.loads(data[8 : 8 + int.from_bytes(data[:8], "little")])
    meta = header.pop("__metadata__")
    assert list(meta) == sorted(meta) and list(header) == sorted(header)
    assert meta["train.corpus_sha256"] == res.model.meta["train.corpus_sha256"]
    path = tmp_path / "m.safetensors"
    save_model(res.model, path)
    assert path.read_bytes() == data
    back = load_model(path)
    assert back.vocab == res.model.vocab and back.meta["train.seed"] == "0"
    for k, v in res.model.params.items():
        np.testing.assert_array_equal(back.params[k], v.astype(np.float32))
    save_model(res.model, tmp_path / "m.npz")
    assert load_model(tmp_path / "m.npz").vocab == res.model.vocab
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.npz", "m.safetensors"]  # no temp files left


def test_core_training_imports_no_screen_library():
    code = (
        "import rnnsim.core.train, rnnsim.core.probes, sys\n"
        "print(','.join(sorted(m for m in sys.modules if m.split('.')[0] in ('rich', 'textual'))))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


# ---------------------------------------------------------------- the shipped models

SHIPPED = ("rnn", "lstm", "gru", "bilstm")


@pytest.fixture(scope="module")
def shipped():
    return {name: load_shipped(name) for name in SHIPPED}


def test_shipped_models_are_small_and_what_their_names_say(shipped):
    for name, model in shipped.items():
        size = (DATA_DIR / f"{name}.safetensors").stat().st_size
        # ~900 words: the embedding and the head are most of it (48 KB held 84 words)
        assert size < 256 * 1024, f"{name}: {size} bytes"
        assert model.cell == name.removeprefix("bi")
        assert model.bidirectional == name.startswith("bi")
        assert model.task == ("cloze" if model.bidirectional else "next")


def test_shipped_models_were_trained_on_the_shipped_corpus(shipped):
    digest = hashlib.sha256((DATA_DIR / "corpus.txt").read_bytes()).hexdigest()
    assert read_corpus(DATA_DIR / "corpus.txt").sha256 == digest
    for name, model in shipped.items():
        assert model.meta["train.corpus_sha256"] == digest, f"{name}: run scripts/make_models.py"


@pytest.mark.parametrize("name", ["rnn", "lstm", "gru"])
def test_after_the_cat_sat_on_the_comes_mat(shipped, name):
    model = shipped[name]
    assert predict_next(model, "The cat sat on the")[0][0] == "mat"
    probs = model.run("The cat sat on the", loss=None).probs[-1]
    assert model.vocab.tokens[int(np.argmax(probs))] == "mat"


def test_the_bidirectional_model_fills_the_cat_blank_on_the_mat_with_sat(shipped):
    model = shipped["bilstm"]
    assert fill_blank(model, "The cat ___ on the mat.")[0][0] == "sat"
    # the word in the blank is never read: any word there gives the same answer
    probs = model.run("The cat sat on the mat .", loss=None).probs[2]
    assert model.vocab.tokens[int(np.argmax(probs))] == "sat"
    assert fill_blank(model, "The cat sat on the mat.", position=2) == fill_blank(model, "The cat ___ on the mat.")


def test_probes_mark_a_cue_and_a_far_target():
    probes = load_probes()
    assert len(probes) >= 50
    assert all(15 <= p.gap <= 36 for p in probes)
    corpus = {" ".join(s) for s in read_corpus(DATA_DIR / "corpus.txt").sentences}
    assert not any(p.text in corpus for p in probes), "a probe is a training sentence"
    p = parse_probe("the [cat] , which ran , went to the [mat] .")
    assert (p.cue, p.target, p.tokens[p.target]) == (1, 9, "mat")
    with pytest.raises(ValueError):
        parse_probe("no brackets here")


def test_long_range_lesson_gated_cells_carry_the_cue_and_the_rnn_does_not(shipped):
    """The issue's claim, on the shipped models and held-out probe sentences (gaps of 15-35
    tokens): the LSTM and the GRU name the word that depends on the far cue, the Elman RNN
    does no better than chance; and the gradient that reaches the cue from the loss at the
    target is orders of magnitude larger for the gated cells."""
    rep = {name: long_range_report(shipped[name]) for name in ("rnn", "lstm", "gru")}
    assert rep["lstm"].accuracy >= 0.9
    assert rep["gru"].accuracy >= 0.9
    assert rep["rnn"].accuracy <= 2 * rep["rnn"].chance
    for gated in ("lstm", "gru"):
        assert rep[gated].ratio >= 1e3 * rep["rnn"].ratio, (gated, rep[gated].ratio, rep["rnn"].ratio)
        assert rep[gated].cue_grad >= 1e3 * rep["rnn"].cue_grad
    # the farther the cue, the less reaches it through the RNN; the gated cells keep it
    rnn_rows = rep["rnn"].by_gap((15, 25, 36))
    assert rnn_rows[1][4] < rnn_rows[0][4] / 10
    assert sum(r[2] for r in rnn_rows) == rep["rnn"].n


def test_ci_regenerates_every_shipped_model_bit_for_bit():
    """`scripts/make_models.py --check` retrains every shipped model from its text and
    compares the bytes. That takes minutes (seven models), so CI runs it (.ci/run), not
    the suite; the short build below keeps the code path honest in the suite."""
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert "python scripts/make_models.py --check" in ci


def test_make_models_specs_are_reproducible_in_a_short_run(tmp_path):
    """Every word model's spec, one epoch on the first 400 corpus lines, twice: the same bytes."""
    mm = _make_models_module()
    small = tmp_path / "small.txt"
    lines = (DATA_DIR / "corpus.txt").read_text(encoding="utf-8").splitlines()[:400]
    small.write_text("\n".join(lines) + "\n", encoding="utf-8")
    for name in mm.SPECS:
        a, _ = mm.build(name, epochs=1, corpus=small)
        b, _ = mm.build(name, epochs=1, corpus=small)
        assert a == b, name
