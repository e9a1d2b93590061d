"""`rnnsim serve` without a browser: the page, the cap, the end of a visitor's process,
Ctrl+C, and the one-line mistakes. The websocket visitor here speaks textual.js's
protocol; tests/browser/test_chromium.py does the same through a real browser."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys

import aiohttp
import pytest

from rnnsim.cli_serve import full_message

from .serving import Served, pid_alive, wait_gone
from .terminal import Visitor

pytest.importorskip("textual_serve", reason="the serve extra is not installed: pip install -e '.[serve]'")

SENTENCE = "The cat sat on the mat ."  # the token strip's spelling of the default text


async def get(url: str) -> tuple[int, dict, str]:
    async with aiohttp.ClientSession() as http, http.get(url) as response:
        return response.status, dict(response.headers), await response.text()


async def test_a_visitor_gets_the_app_a_key_changes_it_and_leaving_ends_its_process():
    with Served("--max-sessions", "3") as served:
        status, _, page = await get(served.url)
        assert status == 200
        # The websocket address comes from the request, and nothing loads from the internet.
        assert f'data-session-websocket-url="ws://{served.url[len("http://") :].rstrip("/")}/ws"' in page
        assert "https://" not in page and "googleapis" not in page
        async with Visitor(served.url) as visitor:
            await visitor.read_until(lambda s: SENTENCE in s and "step 0/7" in s, "the default sentence at step 0")
            [pid] = served.wait_visitors(1, "one process for the one visitor")
            await visitor.press("\x1b[C")  # →
            await visitor.read_until(lambda s: "step 1/7" in s, "step 1 after →")
        wait_gone([pid], "the visitor's process to end when the websocket closed")
        assert served.stop() == 0


async def test_over_the_cap_the_page_and_the_terminal_say_the_class_is_full():
    with Served("--max-sessions", "1") as served:
        async with Visitor(served.url) as first:
            await first.read_until(lambda s: SENTENCE in s, "the first visitor's app")
            status, headers, page = await get(served.url)
            assert status == 503 and headers.get("Retry-After") == "60"
            assert "The class is full" in page and full_message(1) in page
            # A visitor whose page loaded before the class filled: the sentence in the terminal.
            async with Visitor(served.url) as late:
                text = await late.read_until(lambda s: "This class is full" in s, "the full-class message")
                assert " ".join(text.split()).startswith(full_message(1)[:60])
            assert len(served.visitors()) == 1
        served.wait_visitors(0, "the first visitor's process to end")
        status, _, _ = await get(served.url)
        assert status == 200  # the place is free again


async def test_a_visitor_process_that_does_not_quit_is_killed_when_its_tab_closes():
    with Served() as served:
        async with Visitor(served.url) as visitor:
            await visitor.read_until(lambda s: SENTENCE in s, "the app")
            [pid] = served.visitors()
            os.kill(pid, signal.SIGSTOP)  # a hung app: it will never read the quit request
        wait_gone([pid], "the hung process to be killed after the grace period")


async def test_an_app_that_cannot_start_closes_its_page_and_the_class_goes_on(tmp_path):
    story = tmp_path / "story.txt"
    story.write_text("The dog slept on the rug.", encoding="utf-8")
    with Served("--file", str(story)) as served:
        story.unlink()  # checked at start; gone by the time a visitor comes
        async with Visitor(served.url) as visitor:
            with pytest.raises(AssertionError, match="waited for"):
                await visitor.read_until(lambda s: False, "nothing", deadline=20)
            assert visitor.closed  # the page learns the session ended, instead of waiting
        served.wait_visitors(0, "no process left behind")
        status, _, _ = await get(served.url)
        assert status == 200


async def test_ctrl_c_ends_every_visitor_and_the_server():
    with Served() as served:
        async with Visitor(served.url) as a, Visitor(served.url) as b:
            await a.read_until(lambda s: SENTENCE in s, "visitor a's app")
            await b.read_until(lambda s: SENTENCE in s, "visitor b's app")
            pids = served.wait_visitors(2, "two visitors")
            assert served.stop() == 0
        assert not any(pid_alive(p) for p in pids)


async def test_serve_play_gives_every_visitor_the_lesson():
    with Served("play", "chain", "--paused") as served:
        async with Visitor(served.url) as visitor:
            await visitor.read_until(lambda s: "chain" in s.lower() and SENTENCE in s, "the chain lesson")


async def test_a_saved_scene_is_downloaded_by_its_visitor_not_left_on_the_server(tmp_path):
    with Served(cwd=tmp_path) as served:
        async with Visitor(served.url) as visitor:
            await visitor.read_until(lambda s: SENTENCE in s, "the app")
            await visitor.press("\x1b[C")
            await visitor.read_until(lambda s: "step 1/7" in s, "step 1")
            await visitor.press("w")  # save this session as a scene
            await visitor.read_until(
                lambda s: any(m[0] == "deliver_file_start" for m in visitor.messages), "the download offer"
            )
            key = next(m[1] for m in visitor.messages if m[0] == "deliver_file_start")
            status, headers, scene = await get(f"{served.url}download/{key}")
        assert status == 200 and "attachment" in headers["Content-Disposition"]
        assert "rnnsim-session-" in headers["Content-Disposition"]
        assert "[scene]" in scene and "step = 1" in scene.replace("step=1", "step = 1")
    assert list(tmp_path.iterdir()) == []  # nothing written where the teacher started it


def run_rnnsim(*args: str, code: str | None = None) -> subprocess.CompletedProcess:
    command = [sys.executable, "-c", code, *args] if code else [sys.executable, "-m", "rnnsim", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)


def test_every_address_gets_a_warning_and_a_busy_port_one_line():
    # The port is taken on loopback, so nothing ever listens on every address here.
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_rnnsim("serve", "--host", "0.0.0.0", "--port", str(port))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert lines[0].startswith("rnnsim serve: warning: listening on every network address")
    assert lines[1].startswith(f"rnnsim: error: cannot listen on 0.0.0.0 port {port}:") and len(lines) == 2
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--model", "no-such-model.safetensors"], "no-such-model.safetensors"),
        (["--port", "70000"], "port must be between 0 and 65535"),
        (["--max-sessions", "0"], "max sessions must be between 1 and 10000"),
        (["trace"], "cannot serve `trace`"),
        (["play", "chain", "--headless"], "have no screen to serve"),
        (["play", "no-such-lesson"], "no-such-lesson"),
    ],
)
def test_a_mistake_is_one_line_before_anything_listens(args, says):
    result = run_rnnsim("serve", "--port", "0", *args)
    assert result.returncode == 2, result.stdout
    assert result.stderr.count("\n") == 1 and says in result.stderr and "Traceback" not in result.stderr
    assert "open http" not in result.stdout


def test_without_textual_serve_the_error_says_how_to_install_it():
    hide = "import sys; sys.modules['textual_serve'] = None; from rnnsim.cli import main; sys.exit(main(sys.argv[1:]))"
    result = run_rnnsim("serve", code=hide)
    assert result.returncode == 2
    assert result.stderr == "rnnsim: error: rnnsim serve needs textual-serve: pip install 'rnnsim-tui[serve]'\n"


def test_the_readme_and_help_state_the_default_cap():
    from pathlib import Path

    from rnnsim.cli_serve import DEFAULT_MAX_SESSIONS, serve_parser

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    assert f"`--max-sessions` visitors (default {DEFAULT_MAX_SESSIONS})" in readme
    assert f"(default: {DEFAULT_MAX_SESSIONS})" in " ".join(serve_parser().format_help().split())


def test_the_address_to_open_is_one_a_browser_can_reach():
    import socket

    from rnnsim.cli_serve import page_address

    assert page_address("127.0.0.1", 8000) == "http://127.0.0.1:8000/"
    assert page_address("::1", 8000) == "http://[::1]:8000/"
    everywhere = page_address("0.0.0.0", 8000)
    assert everywhere.startswith("http://127.0.0.1:8000/ ") and f"http://{socket.gethostname()}:8000/" in everywhere
