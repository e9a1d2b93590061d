"""`rnnsim generate`: the prompt and its continuation on stdout; one-line errors."""

from __future__ import annotations

import pytest

from rnnsim.core.shipped import load_shipped
from rnnsim.core.tokenizer import tokenize

from ..cli_run import run_main as call


def test_prints_prompt_and_greedy_continuation(capsys):
    code, out, err = call(["generate", "--model", "lstm", "--temperature", "0", "The cat"], capsys)
    assert code == 0 and err == ""
    assert out == load_shipped("lstm").generate("The cat", tokens=20, temperature=0).text + "\n"
    assert out == "The cat sat on the mat.\n"


def test_same_seed_same_output_and_the_seed_matters(capsys):
    argv = ["generate", "--model", "gru", "--temperature", "1.5", "--tokens", "12", "--no-stop"]
    outs = [call([*argv, "--seed", str(s), "The dog"], capsys)[1] for s in (3, 3, 4, 5, 6)]
    assert outs[0] == outs[1]
    assert len(set(outs[1:])) > 1
    assert all(o.startswith("The dog") for o in outs)
    assert all(len(tokenize(o)) == 2 + 12 for o in outs)  # --no-stop: all 12 tokens


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["--tokens", "0", "x"], "number of tokens"),
        (["--tokens", "many", "x"], "number of tokens"),
        (["--temperature", "-1", "x"], "temperature"),
        (["--temperature", "inf", "x"], "temperature"),
        (["--seed", "-3", "x"], "seed"),
        (["--model", "nosuch", "x"], "neither a model file nor a shipped model"),
        (["--model", "bilstm", "x"], "bidirectional"),
        ([""], "prompt is empty"),
        ([], "PROMPT"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(capsys, argv, words):
    code, out, err = call(["generate", *argv], capsys)
    assert code == 2 and out == ""
    assert words in err and err.count("\n") == 1 and "Traceback" not in err


def test_the_help_names_every_shipped_model_that_can_write_on():
    """lstm2 writes on too; the help listed four names by hand and left it out."""
    from rnnsim.cli_generate import generate_parser
    from rnnsim.core.shipped import shipped_names

    said = " ".join(generate_parser().format_help().split())  # argparse wraps lines at will
    writers = [n for n in shipped_names() if load_shipped(n).task == "next" and not load_shipped(n).bidirectional]
    assert "lstm2" in writers and "sentiment" not in writers and "bilstm" not in writers
    assert f"a shipped model's name ({', '.join(writers)})" in said, said
