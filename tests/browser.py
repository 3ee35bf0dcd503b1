"""Headless Chromium (Debian's chromium + chromium-driver) through Selenium, for journeys.

Selenium is given the system driver and browser, so it never tries to download one.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"


def chromium_available() -> bool:
    return Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()


@pytest.fixture
def browser(tmp_path):
    if not chromium_available():
        pytest.skip(
            "Debian's chromium and chromium-driver are not installed (.ci/run installs them)"
        )
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-quic",
        "--no-first-run",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--window-size=1280,1000",
        f"--user-data-dir={tmp_path / 'chromium'}",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.implicitly_wait(2)
    try:
        yield driver
    finally:
        driver.quit()


def console_errors(driver) -> list[str]:
    """Severe console entries (JS errors, CSP violations, failed loads) since the last call."""
    return [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]


def save_screenshot(driver, tmp_path: Path, name: str) -> Path:
    """Kept under the test's temporary folder, where CI keeps it as an artefact."""
    path = tmp_path / f"{name}.png"
    driver.save_screenshot(str(path))
    return path


def page_replaced(old_html):
    """A wait condition: the document `old_html` belonged to has been replaced by a new one.

    While Chromium swaps documents, asking about the old node can fail with "Node with given id
    does not belong to the document" instead of a stale-element error; both mean it is gone.
    """
    from selenium.common.exceptions import StaleElementReferenceException, WebDriverException

    def condition(driver) -> bool:
        try:
            old_html.is_enabled()
        except StaleElementReferenceException:
            return True
        except WebDriverException as exc:
            if "does not belong to the document" in str(exc):
                return True
            raise
        return False

    return condition
