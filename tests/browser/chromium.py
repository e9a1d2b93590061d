"""Debian's chromium, headless, driven by selenium 4, reading what each tab's terminal
shows from the websocket frames it received (Chrome's performance log), since xterm.js
draws on a canvas. Skipped when chromium is absent, except in CI
(RNNSIM_REQUIRE_BROWSER=1, set by .ci/run), where a missing browser fails."""

from __future__ import annotations

import base64
import json
import os
import shutil
from urllib.parse import parse_qs, urlparse

import pytest

from .terminal import Screen

REQUIRED = bool(os.environ.get("RNNSIM_REQUIRE_BROWSER"))
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1280,900",
)


def find_chromium() -> tuple[str, str]:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    if not (browser and driver):
        why = "Debian's chromium and chromium-driver are not installed (apt-get install -y chromium chromium-driver)"
        if REQUIRED:
            raise AssertionError(why)
        pytest.skip(why)
    return browser, driver


def start_chromium(profile_dir):
    """A fresh headless browser with its own profile folder and the performance log on."""
    webdriver = (
        pytest.importorskip("selenium.webdriver") if not REQUIRED else __import__("selenium.webdriver").webdriver
    )
    from selenium.webdriver.chrome.service import Service

    browser, driver = find_chromium()
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for flag in (*FLAGS, f"--user-data-dir={profile_dir}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    return webdriver.Chrome(options=options, service=Service(driver))


class Tabs:
    """Each websocket the browser opened, as a terminal screen, from the performance log."""

    def __init__(self, driver) -> None:
        self.driver = driver
        self.screens: dict[str, Screen] = {}  # websocket request id -> its screen
        self.order: list[str] = []  # request ids in the order the sockets opened

    def update(self) -> None:
        for entry in self.driver.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            method, params = message["method"], message.get("params", {})
            rid = params.get("requestId")
            if method == "Network.webSocketCreated":
                query = parse_qs(urlparse(params["url"]).query)
                self.screens[rid] = Screen(int(query["width"][0]), int(query["height"][0]))
                self.order.append(rid)
            elif rid in self.screens and method == "Network.webSocketFrameSent":
                sent = params["response"]
                if sent["opcode"] == 1 and sent["payloadData"].startswith('["resize"'):
                    size = json.loads(sent["payloadData"])[1]
                    self.screens[rid].resize(size["width"], size["height"])
            elif rid in self.screens and method == "Network.webSocketFrameReceived":
                received = params["response"]
                if received["opcode"] == 2:  # binary: bytes for the terminal
                    self.screens[rid].feed(base64.b64decode(received["payloadData"]))

    def screen(self, n: int) -> str:
        """The text the n-th websocket's terminal shows now."""
        self.update()
        return self.screens[self.order[n]].text() if len(self.order) > n else ""
