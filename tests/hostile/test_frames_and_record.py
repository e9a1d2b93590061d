"""Frames and recordings: written whole or not at all, never through a symlink, two
recorders never share a file, and a session that cannot be saved is kept elsewhere."""

from __future__ import annotations

import errno
import os

import pytest

from ..cli_run import run_main
from .conftest import one_clear_line

SCENE = '[scene]\ncell = "rnn"\nhidden = 4\ntext = "a b c"\n[[step]]\nstep = 1\nsnapshot = "one"\n'


@pytest.fixture
def scene(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text(SCENE, encoding="utf-8")
    return path


def no_space(fd):
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


@pytest.mark.parametrize("fmt", ["svg", "txt"])
def test_frames_never_follow_a_symlink(tmp_path, scene, capsys, fmt):
    outside = tmp_path / "outside.txt"
    outside.write_text("not yours")
    frames = tmp_path / "frames"
    frames.mkdir()
    (frames / f"one.{fmt}").symlink_to(outside)
    code, _, err = run_main(["play", str(scene), "--headless", "--out", str(frames), "--format", fmt], capsys)
    assert code == 0, err
    assert outside.read_text() == "not yours"
    assert not (frames / f"one.{fmt}").is_symlink()
    assert (frames / f"one.{fmt}").stat().st_size > 100


def test_a_full_disk_leaves_the_old_frame_and_no_temp_file(tmp_path, scene, capsys, monkeypatch):
    frames = tmp_path / "frames"
    assert run_main(["play", str(scene), "--headless", "--out", str(frames)], capsys)[0] == 0
    before = (frames / "one.svg").read_bytes()
    monkeypatch.setattr("rnnsim.core.modelfile.os.fsync", no_space)
    code, _, err = run_main(["play", str(scene), "--headless", "--out", str(frames)], capsys)
    assert code == 2
    assert "cannot write the frame (No space left on device); nothing partial is left" in one_clear_line(err)
    assert (frames / "one.svg").read_bytes() == before
    assert os.listdir(frames) == ["one.svg"]
