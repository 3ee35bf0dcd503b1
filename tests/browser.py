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


class Journey:
    """What each journey does with its page: find by CSS, wait for a condition, set a value
    (a date input's typed text depends on the browser's locale, so the ISO value is set), click
    and wait for the next page, and check a step (screenshot kept, no console errors)."""

    def __init__(self, driver, tmp_path: Path):
        self.driver = driver
        self.tmp_path = tmp_path

    def wait(self, condition):
        from selenium.common.exceptions import StaleElementReferenceException
        from selenium.webdriver.support.ui import WebDriverWait

        return WebDriverWait(
            self.driver, 10, ignored_exceptions=[StaleElementReferenceException]
        ).until(condition)

    def css(self, selector: str):
        from selenium.webdriver.common.by import By

        return self.driver.find_element(By.CSS_SELECTOR, selector)

    def set_value(self, selector: str, value: str) -> None:
        self.driver.execute_script("arguments[0].value = arguments[1];", self.css(selector), value)

    def click_and_load(self, element) -> None:
        html = self.css("html")
        element.click()
        self.wait(page_replaced(html))

    def check(self, name: str) -> None:
        save_screenshot(self.driver, self.tmp_path, name)
        assert console_errors(self.driver) == [], name


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


# axe-core is vendored (tests/vendor/axe.min.js, MPL-2.0, licence header kept) so the suite runs
# offline and CI needs no npm step; the version is in the file's first line.
AXE_SOURCE = Path(__file__).parent / "vendor" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]


def axe_violations(driver, *, skip_rules: tuple[str, ...] = ()) -> list[str]:
    """axe's WCAG 2.1 AA and best-practice violations on the current page, one line each
    ("rule (impact): selector, ..."). Injected through the driver, so the page's CSP allows it.
    `skip_rules` is for markup the site does not write (a third-party widget's), each named."""
    driver.set_script_timeout(30)
    driver.execute_script(AXE_SOURCE.read_text(encoding="utf-8"))
    result = driver.execute_async_script(
        "var done = arguments[arguments.length - 1];"
        "var rules = {}; arguments[1].forEach(function (id) { rules[id] = {enabled: false}; });"
        "axe.run(document, {runOnly: {type: 'tag', values: arguments[0]}, rules: rules})"
        ".then(function (r) { done(r.violations.map(function (v) {"
        "  return v.id + ' (' + v.impact + '): ' + v.nodes.map(function (n) {"
        "    return n.target.join(' '); }).slice(0, 8).join(', '); })); })"
        ".catch(function (e) { done(['axe failed: ' + e]); });",
        AXE_TAGS,
        list(skip_rules),
    )
    return list(result)
