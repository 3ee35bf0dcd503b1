"""axe (WCAG 2.1 AA and best-practice) on every main page, for a visitor and for a learner, and
right after an action (a flash message, an htmx status change): any violation fails."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from tests.browser import axe_violations, console_errors, save_screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DEMO_EMAIL = "demo@careerpath.local"
DEMO_PASSWORD = "demo-learner-2026!"


@pytest.fixture
def demo_world():
    """The demo data `scripts/start` loads: the roadmap, catalogue, questions and demo learner."""
    for command in ("loadroadmap", "loadcertifications", "loadquestions"):
        call_command(command, verbosity=0, stdout=open("/dev/null", "w"))  # noqa: SIM115
    call_command("seeddemo", "--force", stdout=open("/dev/null", "w"))  # noqa: SIM115
    call_command("seedportfoliodemo", "--force", stdout=open("/dev/null", "w"))  # noqa: SIM115
    return main_pages()


def main_pages() -> dict[str, list[str]]:
    """The addresses a visitor and the demo learner use, read from the demo data."""
    from certifications.models import LearnerCertification
    from portfolio.models import InterviewQuestion, JobApplication, Project
    from roadmap.models import CareerPath, MilestoneProgress

    path = CareerPath.objects.get(slug="ai-project-manager")
    step = path.steps.order_by("position").first()
    milestone = step.milestones.order_by("position").first()
    roadmap = [
        "/paths/",
        f"/paths/{path.slug}/",
        f"/paths/{path.slug}/{step.slug}/",
        milestone.get_absolute_url(),
    ]
    visitor = [
        "/",
        *roadmap,
        "/certifications/",
        "/accounts/login/",
        "/accounts/signup/",
        "/accounts/password/reset/",
        "/p/demo-learner/",
        "/api/v1/docs/",
    ]
    learner = [
        "/dashboard/",
        *roadmap,
        # a milestone the plan spreads over several weeks: its page names the first and the last
        *[
            p.milestone.get_absolute_url()
            for p in MilestoneProgress.objects.filter(plan_week__isnull=False)
            .exclude(status__in=["done", "skipped"])
            .select_related("milestone__step__path")
            .order_by("plan_week")
            if len(p.plan_hours) > 1
        ][:1],
        "/certifications/",
        "/certifications/mine/",
        *[f"/certifications/mine/{c.pk}/" for c in LearnerCertification.objects.all()[:1]],
        "/portfolio/",
        *[f"/portfolio/projects/{p.pk}/" for p in Project.objects.all()[:1]],
        "/portfolio/public/",
        "/portfolio/applications/",
        "/portfolio/applications/list/",
        *[f"/portfolio/applications/{a.pk}/" for a in JobApplication.objects.all()[:1]],
        "/portfolio/cv-checks/",
        "/portfolio/cv-checks/new/",
        "/portfolio/questions/",
        *[f"/portfolio/questions/{q.slug}/" for q in InterviewQuestion.objects.all()[:1]],
        "/settings/",
        "/settings/data/",
        "/settings/calendar/",
        "/settings/tokens/",
        "/reminders/preview/",
        "/accounts/email/",
        "/accounts/password/change/",
    ]
    return {"visitor": visitor, "learner": learner}


def log_in(driver, base_url: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(base_url + "/accounts/login/")
    driver.find_element(By.CSS_SELECTOR, "input[name=login]").send_keys(DEMO_EMAIL)
    driver.find_element(By.CSS_SELECTOR, "input[name=password]").send_keys(DEMO_PASSWORD)
    driver.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    WebDriverWait(driver, 10).until(lambda d: d.current_url.endswith("/dashboard/"))


# Swagger UI's own markup (its bundle, not our templates): an operation's summary is a button
# holding a copy button, its headings jump from the title to h3 per tag, and it renders its own
# <main> below an info block outside any landmark. Its colours are ours (api/static/api/) and
# are checked.
THIRD_PARTY_RULES = {"/api/v1/docs/": ("nested-interactive", "heading-order", "region")}


def audit(driver, tmp_path, name: str) -> list[str]:
    save_screenshot(driver, tmp_path, name)
    if "/api/v1/docs/" in driver.current_url:
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support.ui import WebDriverWait

        WebDriverWait(driver, 15).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".opblock"))
    skip = next((r for p, r in THIRD_PARTY_RULES.items() if p in driver.current_url), ())
    return [f"{name} {driver.current_url}: {v}" for v in axe_violations(driver, skip_rules=skip)]


def test_every_main_page_is_axe_clean_for_a_visitor_and_a_learner(
    live_server, browser, tmp_path, demo_world
):
    driver = browser
    found: list[str] = []

    # given: a visitor on each public page
    for index, address in enumerate(demo_world["visitor"]):
        driver.get(live_server.url + address)
        found += audit(driver, tmp_path, f"visitor-{index:02d}")

    # given: the demo learner, logged in, on each of their pages
    log_in(driver, live_server.url)
    console_errors(driver)
    for index, address in enumerate(demo_world["learner"]):
        driver.get(live_server.url + address)
        found += audit(driver, tmp_path, f"learner-{index:02d}")
        assert console_errors(driver) == [], address

    # then: axe finds nothing anywhere
    assert found == [], "\n".join(found)


def test_pages_stay_axe_clean_right_after_an_action(live_server, browser, tmp_path, demo_world):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    driver = browser
    found: list[str] = []
    log_in(driver, live_server.url)

    # when: the learner saves their settings (a flash message on the next page)
    driver.get(live_server.url + "/settings/")
    driver.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    WebDriverWait(driver, 10).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".message"))
    found += audit(driver, tmp_path, "after-settings-saved")

    # when: they change a milestone's status in place (htmx), which shows a confirmation
    driver.get(live_server.url + demo_world["learner"][4])
    driver.find_element(By.CSS_SELECTOR, ".status-controls button").click()
    WebDriverWait(driver, 10).until(
        lambda d: d.find_element(By.ID, "live-status").text.strip() != ""
    )
    live = driver.find_element(By.ID, "live-status")
    # then: sighted users see it too, not only screen readers
    assert live.is_displayed() and live.size["height"] > 10
    found += audit(driver, tmp_path, "after-status-change")

    assert found == [], "\n".join(found)


def phone(driver) -> None:
    """A 390 px wide phone viewport (an iPhone 12 to 15's CSS width)."""
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": 390, "height": 844, "deviceScaleFactor": 1, "mobile": True},
    )


def too_wide(driver) -> str:
    """Empty when the page fits its viewport; otherwise the widths and the widest offenders."""
    return driver.execute_script(
        "var w = document.documentElement.clientWidth, s = document.documentElement.scrollWidth;"
        "if (s <= w) return '';"
        "var out = [];"
        "document.querySelectorAll('body *').forEach(function (e) {"
        "  var r = e.getBoundingClientRect();"
        "  if (r.right > w + 1 && out.length < 5) out.push(e.tagName + '.' + e.className);"
        "});"
        "return s + ' > ' + w + ': ' + out.join(', ');"
    )


def test_no_page_scrolls_sideways_on_a_390px_phone_and_the_header_is_compact(
    live_server, browser, tmp_path, demo_world
):
    from selenium.webdriver.common.by import By

    driver = browser
    phone(driver)
    problems: list[str] = []

    def measure(who: str, index: int, address: str) -> None:
        driver.get(live_server.url + address)
        save_screenshot(driver, tmp_path, f"phone-{who}-{index:02d}")
        if width := too_wide(driver):
            problems.append(f"{who} {address} scrolls sideways: {width}")
        # (the API docs page is Swagger UI's own, without the site's header)
        for header in driver.find_elements(By.CSS_SELECTOR, ".site-header"):
            if header.size["height"] > 64:
                problems.append(f"{who} {address}: header {header.size['height']} px tall")

    # given: a visitor, then the demo learner, on every main page at 390 px
    for index, address in enumerate(demo_world["visitor"]):
        measure("visitor", index, address)
    log_in(driver, live_server.url)
    for index, address in enumerate(demo_world["learner"]):
        measure("learner", index, address)

    # then: nothing is wider than the phone, and the header stays one compact row
    assert problems == [], "\n".join(problems)

    # when: the learner opens the menu (a <details>: no script needed)
    menu = driver.find_element(By.CSS_SELECTOR, ".nav-menu > summary")
    assert menu.is_displayed()
    menu.click()

    # then: the main links show, and axe is still clean with it open
    assert driver.find_element(
        By.CSS_SELECTOR, ".nav-menu-panel a[href='/dashboard/']"
    ).is_displayed()
    assert axe_violations(driver) == []
