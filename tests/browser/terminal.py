"""What a visitor's terminal shows, rebuilt from the bytes the server sends (pyte is a
VT100 emulator), so tests read text instead of xterm.js's canvas pixels."""

from __future__ import annotations

import asyncio
import json
import time

import aiohttp
import pyte


class Screen:
    def __init__(self, width: int, height: int) -> None:
        self.screen = pyte.Screen(width, height)
        self.stream = pyte.ByteStream(self.screen)

    def feed(self, data: bytes) -> None:
        self.stream.feed(data)

    def resize(self, width: int, height: int) -> None:
        self.screen.resize(height, width)

    def text(self) -> str:
        return "\n".join(line.rstrip() for line in self.screen.display)


class Visitor:
    """A websocket visitor, as textual.js is: it says its size, types keys, reads frames."""

    def __init__(self, url: str, width: int = 120, height: int = 36) -> None:
        self.url = url.rstrip("/") + f"/ws?width={width}&height={height}"
        self.size = (width, height)
        self.screen = Screen(width, height)
        self.closed = False
        self.messages: list = []  # the JSON messages textual.js would act on (downloads...)

    async def __aenter__(self) -> Visitor:
        self.http = aiohttp.ClientSession()
        self.ws = await self.http.ws_connect(self.url)
        await self.ws.send_str(json.dumps(["resize", {"width": self.size[0], "height": self.size[1]}]))
        return self

    async def __aexit__(self, *exc) -> None:
        await self.ws.close()
        await self.http.close()

    async def press(self, keys: str) -> None:
        await self.ws.send_str(json.dumps(["stdin", keys]))

    async def read_until(self, condition, what: str, deadline: float = 30.0) -> str:
        """Feed frames until condition(screen text) holds, or fail naming `what`."""
        end = time.monotonic() + deadline
        while not condition(self.screen.text()):
            left = end - time.monotonic()
            if left <= 0 or self.closed:
                raise AssertionError(f"waited for {what}; the screen shows:\n{self.screen.text()}")
            try:
                message = await asyncio.wait_for(self.ws.receive(), left)
            except TimeoutError:
                continue
            if message.type == aiohttp.WSMsgType.BINARY:
                self.screen.feed(message.data)
            elif message.type == aiohttp.WSMsgType.TEXT:
                self.messages.append(json.loads(message.data))
            elif message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.CLOSING):
                self.closed = True
        return self.screen.text()
