"""A class in a real browser: headless Chromium opens `rnnsim serve`'s page, sees the
default sentence, presses a key and sees the screen change, opens more tabs until the cap
and sees the readable full-class page; closing a tab ends its process."""

from __future__ import annotations

import pytest

from tests.waiting import until_sync

from .chromium import Tabs, start_chromium
from .serving import Served, wait_gone

pytest.importorskip("textual_serve", reason="the serve extra is not installed: pip install -e '.[serve]'")

SENTENCE = "The cat sat on the mat ."


@pytest.fixture
def browser(tmp_path):
    driver = start_chromium(tmp_path / "profile")
    try:
        yield driver
    finally:
        driver.quit()


def body_text(driver) -> str:
    return driver.execute_script("return document.body.innerText")


def test_a_class_in_chromium(browser, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    with Served("--max-sessions", "2") as served:
        tabs = Tabs(browser)
        browser.get(served.url)
        until_sync(lambda: SENTENCE in tabs.screen(0) and "step 0/7" in tabs.screen(0), "the default sentence")
        [first_pid] = served.wait_visitors(1, "the first tab's process")
        browser.save_screenshot(str(tmp_path / "step0.png"))

        # A key typed into the page (xterm.js's hidden textarea has the focus) moves the app.
        browser.find_element(By.CSS_SELECTOR, ".xterm-helper-textarea").send_keys(Keys.ARROW_RIGHT)
        until_sync(lambda: "step 1/7" in tabs.screen(0), "step 1 after →")
        browser.save_screenshot(str(tmp_path / "step1.png"))
        assert "step 0/7" not in tabs.screen(0)

        first_tab = browser.current_window_handle
        browser.switch_to.new_window("tab")
        browser.get(served.url)
        until_sync(lambda: SENTENCE in tabs.screen(1), "the second tab's own app")
        assert "step 0/7" in tabs.screen(1)  # its own session, not the first tab's step 1
        served.wait_visitors(2, "a process per tab")
        second_tab = browser.current_window_handle

        browser.switch_to.new_window("tab")
        browser.get(served.url)
        until_sync(lambda: "The class is full" in body_text(browser), "the full-class page")
        assert "2 visitors are using rnnsim right now" in body_text(browser)
        browser.save_screenshot(str(tmp_path / "full.png"))
        assert len(served.visitors()) == 2

        # Closing the first tab ends its process and frees a place for the waiting visitor.
        browser.switch_to.window(first_tab)
        browser.close()
        wait_gone([first_pid], "the closed tab's process to end")
        browser.switch_to.window(second_tab)
        assert "step 0/7" in tabs.screen(1)
        third = [h for h in browser.window_handles if h != second_tab][0]
        browser.switch_to.window(third)
        browser.refresh()
        until_sync(lambda: SENTENCE in tabs.screen(2), "the waiting visitor's app after a place freed")
        pids = served.wait_visitors(2, "the second and third tabs' processes")

        # q quits this visitor's app: its process ends and the page says so, with a way back.
        browser.find_element(By.CSS_SELECTOR, ".xterm-helper-textarea").send_keys("q")
        until_sync(lambda: "This session has ended." in body_text(browser), "the ended-session page")
        assert browser.find_element(By.CSS_SELECTOR, "#ended button").text == "Start a new one"
        served.wait_visitors(1, "the quitting visitor's process to end")
        assert set(served.visitors()) < set(pids)
