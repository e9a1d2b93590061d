"""The terminal: signals while recording or in the app (a real process on a pty), no
terminal or a dumb one, encodings that cannot show rnnsim's symbols, and record's
checks, lock and recovery file."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest

from ..cli_run import run_main
from .conftest import one_clear_line
from .ptyrun import PtyProcess

LEAVE_ALT_SCREEN = b"\x1b[?1049l"
pytestmark = pytest.mark.skipif(not hasattr(os, "openpty") or sys.platform == "win32", reason="needs a pty")


def _open(args, cwd):
    p = PtyProcess(args, cwd=cwd)
    assert p.wait_for(b"Backprop"), p.output[-2000:]  # the Footer is drawn: the app is up
    return p


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_a_signal_while_recording_saves_and_restores_the_terminal(tmp_path, sig):
    p = _open(["record", "rec.toml", "--cell", "rnn", "--seed", "1", "A b c d."], tmp_path)
    # each key's frame before the next key (the top bar says where the session is): the
    # signal must come after all three were handled, however slow the machine
    for key, frame in ((b"l", b"step 1/5"), (b"l", b"step 2/5"), (b"b", b"gradient at t=")):
        p.send(key)
        assert p.wait_for(frame), (key, p.output[-2000:])
    p.read()
    drawn = len(p.output)
    p.proc.send_signal(sig)
    code = p.finish()
    assert code == 128 + sig, p.output[-2000:]
    assert LEAVE_ALT_SCREEN in p.output[drawn:]  # the terminal is given back
    saved = (tmp_path / "rec.toml").read_text(encoding="utf-8")
    assert "step = 2" in saved and "backward = true" in saved
    assert b"rnnsim: saved 2 steps to rec.toml" in p.output


def test_sigterm_in_the_app_restores_the_terminal(tmp_path):
    p = _open(["--cell", "gru", "--seed", "2", "One two three."], tmp_path)
    drawn = len(p.output)
    p.proc.send_signal(signal.SIGTERM)
    assert p.finish() == 128 + signal.SIGTERM
    assert LEAVE_ALT_SCREEN in p.output[drawn:]


def test_no_terminal_says_why_at_once(tmp_path):
    """stdin and stdout not a terminal: it used to wait forever."""
    for args in ([], ["record", "x.toml"], ["play", "chain"]):
        r = subprocess.run(
            [sys.executable, "-m", "rnnsim", *args], stdin=subprocess.DEVNULL,
            capture_output=True, text=True, cwd=tmp_path, timeout=120,
        )  # fmt: skip
        assert r.returncode == 2, (args, r.stderr)
        line = one_clear_line(r.stderr)
        assert "the app needs a terminal, and its input is not one" in line
        assert "rnnsim trace, or rnnsim play SCENE --headless" in line
    assert not (tmp_path / "x.toml").exists()


def test_term_dumb_is_not_ignored(tmp_path):
    p = PtyProcess(["--cell", "rnn", "a b"], cwd=tmp_path, env={"TERM": "dumb"})
    code = p.finish(deadline_s=60)
    assert code == 2
    assert b"TERM=dumb: this terminal cannot draw the app" in p.output
    assert b"\x1b[?1049h" not in p.output  # never switched to the alternate screen


@pytest.mark.parametrize("encoding", ["latin-1", "ascii"])
def test_an_encoding_without_the_symbols_falls_back_to_ascii(tmp_path, encoding):
    env = {**os.environ, "PYTHONIOENCODING": encoding}
    long_word = "Supercalifragilistic"  # cut with … in the table
    r = subprocess.run([sys.executable, "-m", "rnnsim", "trace", f"猫 {long_word} \x1b sat."],
                       capture_output=True, env=env, timeout=120)  # fmt: skip
    assert r.returncode == 0 and r.stderr == b"", r.stderr
    out = r.stdout.decode(encoding)
    assert "Supercalifr..." in out and "\\u732b" in out
    r = subprocess.run([sys.executable, "-m", "rnnsim", "play", "--list"], capture_output=True, env=env, timeout=120)
    assert r.returncode == 0 and b"Traceback" not in r.stderr
    r = subprocess.run([sys.executable, "-m", "rnnsim", "trace", "--file", "/no/such/猫.txt"],
                       capture_output=True, env=env, timeout=120)  # fmt: skip
    assert r.returncode == 2
    assert r.stderr.decode(encoding).strip() == "rnnsim: error: /no/such/\\u732b.txt: no such file"


# ---------------------------------------------------------------- record's file


@pytest.fixture
def fake_app(monkeypatch):
    """record without a screen: the app takes two steps and quits."""
    from rnnsim.ui import app as app_module

    def fake_run(self):
        self.sim.step()
        self.sim.step()
        if fake_app.during:
            fake_app.during(self)

    fake_app.during = None
    monkeypatch.setattr(app_module.RnnsimApp, "run", fake_run)
    monkeypatch.setattr("rnnsim.cli_terminal.terminal_problem", lambda: None)
    return fake_app


def test_record_into_a_file_another_record_holds(tmp_path, capsys, fake_app):
    from rnnsim.cli_scene import _RecordLock

    out = tmp_path / "rec.toml"
    with _RecordLock(out):
        code, _, err = run_main(["record", str(out), "--cell", "rnn", "a b c"], capsys)
    assert code == 2
    assert "another rnnsim record is recording into it; wait for it to quit" in one_clear_line(err)
    assert not out.exists()
    code, _, err = run_main(["record", str(out), "--cell", "rnn", "a b c"], capsys)  # free again
    assert code == 0 and out.exists() and not (tmp_path / ".rec.toml.lock").exists()


def test_two_recorders_in_two_processes(tmp_path):
    first = _open(["record", "rec.toml", "--cell", "rnn", "a b c"], tmp_path)
    second = PtyProcess(["record", "rec.toml", "--cell", "rnn", "a b c"], cwd=tmp_path)
    assert second.finish() == 2
    assert b"another rnnsim record is recording into it" in second.output
    first.send(b"q")
    assert first.finish() == 0
    assert (tmp_path / "rec.toml").exists()


def test_record_checks_the_folder_before_the_app_opens(tmp_path, capsys, fake_app, monkeypatch):
    def never(self):
        raise AssertionError("the app opened")

    monkeypatch.setattr("rnnsim.ui.app.RnnsimApp.run", never)
    monkeypatch.setattr("rnnsim.cli_scene.os.access", lambda path, mode: False)  # (root may write anywhere)
    code, _, err = run_main(["record", str(tmp_path / "rec.toml"), "--cell", "rnn", "a b"], capsys)
    assert code == 2 and "cannot write in the folder" in one_clear_line(err)


def test_a_session_that_cannot_be_saved_is_kept_in_a_recovery_file(tmp_path, capsys, fake_app, monkeypatch):
    folder = tmp_path / "lessons"
    folder.mkdir()
    spare = tmp_path / "spare"
    spare.mkdir()
    monkeypatch.setattr("tempfile.gettempdir", lambda: str(spare))

    def folder_removed(app):  # the folder goes away while recording (an unmounted stick)
        for p in folder.iterdir():
            p.unlink()
        folder.rmdir()

    fake_app.during = folder_removed
    code, _, err = run_main(["record", str(folder / "rec.toml"), "--cell", "rnn", "--seed", "3", "a b c"], capsys)
    assert code == 1
    line = one_clear_line(err)
    (kept,) = spare.iterdir()
    assert f"the session is kept in {kept}" in line and "cannot save" in line
    assert "step = 2" in kept.read_text(encoding="utf-8")
    assert run_main(["play", str(kept), "--headless"], capsys)[0] == 0
