"""The README's promises: its Python example runs, and its two commands are the ones CI runs."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_the_python_example_runs(tmp_path, monkeypatch):
    code = re.search(r"```python\n(.*?)```", README, re.S).group(1)
    assert "rnnsim.random_model" in code and "model.run" in code
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    exec(compile(code, "README.md", "exec"), namespace)  # noqa: S102 - our own documentation
    assert (tmp_path / "mine.safetensors").is_file()
    assert namespace["trace"].forward.dh.shape == (7, 16)


def test_the_first_two_commands_install_and_run_and_ci_runs_the_test_one():
    commands = re.findall(r"```sh\n(.*?)\n```", README, re.S)[:3]
    venv = "python3 -m venv .venv && . .venv/bin/activate && "
    assert commands[0] == venv + "pip install -e . && rnnsim"
    assert commands[1] == venv + "pip install -e '.[test]' -c constraints.txt && pytest"
    assert commands[2].startswith(venv + "pip install -e '.[serve]' && rnnsim serve")
    # CI runs the README's test command: the same venv, the same install (quiet), pytest.
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    lines = [line for line in ci.splitlines() if line and not line.startswith("#")]
    install = commands[1].split(" && ")[2]
    assert "python3 -m venv .venv" in lines and ". .venv/bin/activate" in lines
    assert [line.replace(" -q", "") for line in lines if line.startswith("pip install") and "-e" in line] == [install]
    assert lines[-1] == "pytest"
