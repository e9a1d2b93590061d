"""`rnnsim serve`: the app in a web browser, one app process per visitor (a class).

    rnnsim serve [--host 127.0.0.1] [--port 8000] [--max-sessions N] [rnnsim options] [TEXT]
    rnnsim serve [...] play SCENE [--paused]

textual-serve (the optional extra `serve`) runs a small web server; each browser tab that
opens the page gets its own `python -m rnnsim.cli_serve ...` process, driven over a
websocket, so visitors never see each other's state. This module adds what a class needs
on top of textual-serve's Server:

- a cap on the number of visitors: the page of a visitor over the cap says so in words
  (HTTP 503), instead of a spinner or a crash, and a websocket over the cap writes the same
  sentence into the terminal before it closes;
- a closed tab ends its process: asked to quit first, killed if it has not gone after a
  few seconds (textual-serve alone waits for ever on a process that does not quit);
- loopback only unless --host says otherwise, with a warning when listening on every
  address; a page whose websocket address comes from the request (not from --host), so
  `--host 0.0.0.0` works from other machines; a page that loads nothing from the internet;
- each visitor's process runs in a fresh temporary folder, so what a key saves (`w` writes
  a scene) lands in no shared folder and is sent to that visitor's browser as a download.

The options after serve's own are checked once at start (a wrong model file is one line
then, not a broken page for every visitor).
"""

from __future__ import annotations

import argparse
import asyncio
import html
import os
import shutil
import signal
import socket
import sys
import tempfile
from pathlib import Path

from .cli import Parser, UserError, number

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
# A class. bench/bench_serve.py: a visitor costs ~37 MB (PSS) and ~28 ms of one core per key
# press, so memory is never the limit; thirty students pressing every second or two use well
# under one of two cores, while thirty pressing at the same instant wait up to ~0.4 s on an
# idle 2-core machine (bench/README.md has the measured figures).
DEFAULT_MAX_SESSIONS = 30
QUIT_GRACE_S = 3.0  # how long a visitor's process may take to quit before it is killed
ALL_ADDRESSES = ("0.0.0.0", "::", "")
INSTALL_HINT = "rnnsim serve needs textual-serve: pip install 'rnnsim-tui[serve]'"


def serve_parser() -> argparse.ArgumentParser:
    p = Parser(
        prog="rnnsim serve",
        allow_abbrev=False,  # so --h... stays rnnsim's --hidden, never a guess at --host
        usage="rnnsim serve [--host HOST] [--port PORT] [--max-sessions N] [rnnsim options] [TEXT | play SCENE]",
        description="Serve the app to web browsers, for a class: every visitor (browser tab) gets "
        "their own app. Any other options are rnnsim's (see rnnsim --help), or `play SCENE` "
        "to give every visitor a lesson.",
    )
    p.add_argument(
        "--host",
        default=DEFAULT_HOST,
        help=f"address to listen on (default: {DEFAULT_HOST}, this machine only; 0.0.0.0 lets other machines in)",
    )
    p.add_argument(
        "--port",
        type=number("port", int, 0, 65535),
        default=DEFAULT_PORT,
        help=f"default: {DEFAULT_PORT}; 0: any free port",
    )
    p.add_argument(
        "--max-sessions",
        type=number("max sessions", int, 1, 10000),
        default=DEFAULT_MAX_SESSIONS,
        metavar="N",
        help=f"visitors at once; the next one gets a page saying the class is full (default: {DEFAULT_MAX_SESSIONS})",
    )
    return p


# ------------------------------------------------------------------ the visitor's app


def visitor_app(argv: list[str], mixin: type | None = None):
    """The app a visitor gets for these rnnsim arguments (raises UserError on a mistake),
    its class extended by `mixin`. Built once at start to check the arguments, then once
    in every visitor's process."""
    if argv and argv[0] == "play":
        from .cli_scene import _load, play_parser

        args = play_parser().parse_args(argv[1:])
        if args.list or args.headless or args.out:
            raise UserError("rnnsim serve play SCENE [--paused]: --list, --headless and --out have no screen to serve")
        if args.scene is None:
            raise UserError("give a scene file or a shipped lesson's name (rnnsim play --list shows them)")
        scene = _load(args.scene)
        from .ui.scene_app import ScenePlayerApp

        return _extended(ScenePlayerApp, mixin)(scene, autoplay=not args.paused)
    if argv and argv[0] in ("trace", "train", "record", "serve"):
        raise UserError(f"rnnsim serve shows the app or plays a scene; it cannot serve `{argv[0]}`")
    from .cli import app_simulation
    from .ui.app import RnnsimApp

    return _extended(RnnsimApp, mixin)(app_simulation(argv))


def _extended(cls: type, mixin: type | None) -> type:
    return cls if mixin is None else type(f"{mixin.__name__}{cls.__name__}", (mixin, cls), {})


class _Deliveries:
    """Sends every file the visitor's app writes in its folder to the browser, once per
    version of the file (saves are written whole and renamed into place)."""

    def __init__(self, folder: Path) -> None:
        self.folder, self.sent = folder, {}

    def check(self, app) -> None:
        for path in sorted(self.folder.iterdir()):
            if path.name.startswith(".") or path.suffix == ".tmp":  # a save still being written
                continue
            try:
                if not path.is_file():
                    continue
                stamp = path.stat().st_mtime_ns
            except OSError:  # gone between the listing and the look
                continue
            if self.sent.get(path.name) != stamp:
                self.sent[path.name] = stamp
                app.deliver_binary(path, save_filename=path.name)


class Visiting:
    """Mixed into the visitor's app class: watch its folder once a second."""

    deliveries: _Deliveries | None = None

    def on_ready(self) -> None:
        if self.deliveries is not None:
            self.set_interval(1.0, lambda: self.deliveries.check(self))


def run_visitor(argv: list[str]) -> int:
    """One visitor's process: the app, in a temporary folder of its own, removed at exit."""
    app = visitor_app(argv, mixin=Visiting)  # relative paths in argv are read from the server's folder
    folder = Path(tempfile.mkdtemp(prefix="rnnsim-visitor-"))
    try:
        os.chdir(folder)
        app.deliveries = _Deliveries(folder)
        app.run()
    finally:
        os.chdir(tempfile.gettempdir())
        shutil.rmtree(folder, ignore_errors=True)
    return 0


# ------------------------------------------------------------------ the server


def _page(title: str, body: str) -> str:
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title>"
        "<style>body{background:#0c181f;color:#e8eef2;font:18px/1.5 system-ui,sans-serif;"
        "max-width:40em;margin:4em auto;padding:0 1em}</style></head>"
        f"<body>{body}</body></html>"
    )


def full_message(cap: int) -> str:
    return (
        f"This class is full: {cap} visitor{'s are' if cap != 1 else ' is'} using rnnsim right now. "
        "Try again in a minute, or ask whoever runs it to start it with a larger --max-sessions."
    )


# The page each visitor loads: textual-serve's terminal (xterm.js + its textual.js), with
# the websocket address taken from the request and nothing fetched from the internet.
APP_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>rnnsim</title>
<link rel="stylesheet" href="/static/css/xterm.css">
<script src="/static/js/textual.js"></script>
<style>
@font-face {{ font-family: "Roboto Mono"; src: url("/static/fonts/RobotoMono-VariableFont_wght.ttf"); }}
html, body {{ margin: 0; height: 100%; background: #0c181f; }}
.textual-terminal {{ width: 100vw; height: 100vh; opacity: 0; }}
body.-first-byte .textual-terminal {{ opacity: 1; }}
.note {{ position: absolute; inset: 0; display: flex; align-items: center; justify-content: center;
        color: #e8eef2; font: 18px/1.5 system-ui, sans-serif; }}
body.-first-byte #starting, #ended {{ display: none; }}
body.-closed #ended {{ display: flex; background: #0c181f; z-index: 10; flex-direction: column; }}
</style></head>
<body>
<div class="note" id="starting">Starting rnnsim…</div>
<div class="note" id="ended"><p>This session has ended.</p>
<p><button type="button" onclick="window.location.reload()">Start a new one</button></p></div>
<div id="terminal" class="textual-terminal" data-session-websocket-url="{websocket}"
     data-font-size="{font_size}"></div>
</body></html>
"""


def page_address(host: str, port: int) -> str:
    """Where to point a browser. Listening on every address, 0.0.0.0 is no place to go: this
    machine's loopback address, and its name for the other machines."""
    if host in ALL_ADDRESSES:
        return f"http://127.0.0.1:{port}/ (other machines: http://{socket.gethostname()}:{port}/ or its IP address)"
    return f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/"


def make_server(argv: list[str], host: str, port: int, max_sessions: int):
    """A textual-serve Server with a cap, a kill on close and rnnsim's page."""
    from aiohttp import WSMsgType, web
    from textual_serve.app_service import AppService
    from textual_serve.server import Server, to_int

    class VisitorService(AppService):
        """One visitor's process, started without a shell and sure to end."""

        async def _open_app_process(self, width: int = 80, height: int = 24):
            self._process = process = await asyncio.create_subprocess_exec(
                *self.argv,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                env=self._build_environment(width=width, height=height),
            )
            self._stdin = process.stdin
            return process

        async def run(self) -> None:
            await super().run()
            # The process is gone. When it quit normally it has closed the page already; when
            # it crashed or could not start, close it now so the page says the session ended
            # instead of waiting for ever.
            await self.remote_close()

        async def stop(self) -> None:
            if self._task is None:
                return
            task, self._task = self._task, None
            await self._download_manager.cancel_app_downloads(app_service_id=self.app_service_id)
            await self.send_meta({"type": "quit"})
            try:
                await asyncio.wait_for(asyncio.shield(task), QUIT_GRACE_S)
            except TimeoutError:
                self._process.kill()
                await task
            await self._process.wait()

    class ClassServer(Server):
        def __init__(self) -> None:
            command = " ".join(["rnnsim", *argv])
            super().__init__(command, host=host, port=port, title="rnnsim")
            self.visitor_argv = [sys.executable, "-m", "rnnsim.cli_serve", *argv]
            self.max_sessions = max_sessions
            self.sessions: set[VisitorService] = set()
            self.stopping = asyncio.Event()

        def full(self) -> bool:
            return len(self.sessions) >= self.max_sessions

        async def handle_index(self, request: web.Request) -> web.Response:
            if self.full():
                body = f"<h1>The class is full</h1><p>{html.escape(full_message(self.max_sessions))}</p>"
                return web.Response(
                    status=503,
                    text=_page("rnnsim: the class is full", body),
                    content_type="text/html",
                    headers={"Retry-After": "60"},
                )
            scheme = "wss" if request.secure else "ws"
            font_size = max(6, min(48, to_int(request.query.get("fontsize", "16"), 16)))
            page = APP_PAGE.format(websocket=html.escape(f"{scheme}://{request.host}/ws"), font_size=font_size)
            return web.Response(text=page, content_type="text/html")

        async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
            websocket = web.WebSocketResponse(heartbeat=15)
            await websocket.prepare(request)
            if self.full() or self.stopping.is_set():
                # Someone took the last place between this visitor's page and its websocket.
                await websocket.send_bytes(b"\x1b[2J\x1b[H" + full_message(self.max_sessions).encode() + b"\r\n")
                await websocket.close()
                return websocket
            width = to_int(request.query.get("width", "80"), 80)
            height = to_int(request.query.get("height", "24"), 24)
            service = VisitorService(
                self.command,
                write_bytes=websocket.send_bytes,
                write_str=websocket.send_str,
                close=websocket.close,
                download_manager=self.download_manager,
            )
            service.argv = self.visitor_argv
            self.sessions.add(service)
            try:
                await service.start(width, height)
                await self._process_messages(websocket, service)
            except asyncio.CancelledError:
                await websocket.close()
            except Exception as error:  # a broken connection ends this visitor, not the class
                print(f"rnnsim serve: a session ended with an error: {error}", file=sys.stderr)
            finally:
                await service.stop()
                self.sessions.discard(service)
            return websocket

        async def _process_messages(self, websocket, service) -> None:
            # textual-serve's loop, minus its `assert`: a malformed message is ignored.
            async for message in websocket:
                if message.type != WSMsgType.TEXT:
                    continue
                try:
                    envelope = message.json()
                    kind, data = envelope[0], (envelope[1] if len(envelope) > 1 else None)
                except (ValueError, TypeError, KeyError, IndexError):
                    continue
                if kind == "stdin" and isinstance(data, str):
                    await service.send_bytes(data.encode("utf-8"))
                elif kind == "resize" and isinstance(data, dict):
                    width, height = data.get("width"), data.get("height")
                    if isinstance(width, int) and isinstance(height, int) and 0 < width <= 1000 and 0 < height <= 500:
                        await service.set_terminal_size(width, height)
                elif kind == "ping":
                    await websocket.send_json(["pong", data])
                elif kind == "blur":
                    await service.blur()
                elif kind == "focus":
                    await service.focus()

        async def on_startup(self, app) -> None:
            pass

        async def on_shutdown(self, app) -> None:
            self.stopping.set()
            await asyncio.gather(*(s.stop() for s in list(self.sessions)), return_exceptions=True)

        async def run(self) -> None:
            runner = web.AppRunner(await self._make_app(), handle_signals=False)
            await runner.setup()
            site = web.TCPSite(runner, self.host, self.port)
            try:
                await site.start()
            except OSError as e:
                await runner.cleanup()
                raise UserError(f"cannot listen on {self.host} port {self.port}: {e.strerror or e}") from None
            bound = site._server.sockets[0].getsockname()[1] if site._server and site._server.sockets else self.port
            print(
                f"rnnsim serve: open {page_address(self.host, bound)} in a browser; every visitor gets their own "
                f"app, at most {self.max_sessions} at once. Ctrl+C stops.",
                flush=True,
            )
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(sig, self.stopping.set)
            try:
                await self.stopping.wait()
            finally:
                await runner.cleanup()

    return ClassServer()


def cmd_serve(argv: list[str]) -> int:
    args, rest = serve_parser().parse_known_args(argv)
    try:
        import textual_serve  # noqa: F401
    except ImportError:
        raise UserError(INSTALL_HINT) from None
    visitor_app(rest)  # every mistake in the app's options is found now, once
    if args.host in ALL_ADDRESSES:
        print(
            f"rnnsim serve: warning: listening on every network address: anyone who can reach this "
            f"machine on port {args.port} can start sessions (--host 127.0.0.1 keeps it to this machine)",
            file=sys.stderr,
        )
    server = make_server(rest, args.host, args.port, args.max_sessions)
    asyncio.run(server.run())
    return 0


if __name__ == "__main__":  # a visitor's process: python -m rnnsim.cli_serve [rnnsim arguments]
    try:
        raise SystemExit(run_visitor(sys.argv[1:]))
    except UserError as e:  # shown on the server's console (textual-serve passes stderr on)
        print(f"rnnsim: error: {e}", file=sys.stderr)
        raise SystemExit(2) from None
