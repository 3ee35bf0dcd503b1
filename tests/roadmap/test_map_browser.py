"""Headless Chromium: the path map by keyboard, at 1280 and 390 px, and a milestone's tool
("Track PMP") there and back."""

import pytest

from certifications.models import LearnerCertification
from roadmap.models import MilestoneProgress, ProgressStatus
from tests.accounts.factories import DEFAULT_PASSWORD, UserFactory
from tests.browser import Journey, page_replaced
from tests.certifications.factories import pmp
from tests.roadmap.factories import EnrollmentFactory, build_roadmap, path_milestones

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _log_in(journey: Journey, live_server, user) -> None:
    journey.driver.get(live_server.url + "/accounts/login/")
    journey.css("input[name=login]").send_keys(user.email)
    journey.css("input[name=password]").send_keys(DEFAULT_PASSWORD)
    journey.css("main form button[type=submit]").click()
    journey.wait(lambda d: d.current_url.endswith("/dashboard/"))


def _learner_on_a_path():
    path = build_roadmap(steps=6, milestones_per_step=4, slug="ai-project-manager")
    milestones = path_milestones(path)
    user = UserFactory()
    EnrollmentFactory(learner=user, path=path)
    for milestone in milestones[:5]:
        MilestoneProgress.objects.create(
            learner=user, milestone=milestone, status=ProgressStatus.DONE
        )
    MilestoneProgress.objects.create(
        learner=user, milestone=milestones[5], status=ProgressStatus.IN_PROGRESS
    )
    return path, milestones, user


def test_a_map_node_is_reached_with_tab_shows_its_focus_and_opens_with_enter(
    live_server, browser, tmp_path
):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    driver = browser
    journey = Journey(driver, tmp_path)
    path, milestones, user = _learner_on_a_path()
    _log_in(journey, live_server, user)

    # given: the path page, read from the top
    driver.get(live_server.url + path.get_absolute_url())
    journey.check("01-path-map-1280")
    here = journey.css('.map-here a[aria-current="step"]')
    assert here.get_attribute("href").endswith(milestones[5].get_absolute_url())
    assert "you are here" in here.get_attribute("textContent")

    # when: the learner tabs from the map's heading to its first node
    driver.execute_script(
        "const h = document.getElementById('map-heading'); h.tabIndex = -1; h.focus();"
    )
    # (past "You are here" and the first step's title)
    for _press in range(3):
        ActionChains(driver).send_keys(Keys.TAB).perform()
    focused = driver.switch_to.active_element

    # then: it is the first node, its state is in its text, and its focus is visible
    assert focused.get_attribute("href").endswith(milestones[0].get_absolute_url())
    assert ": Done" in focused.get_attribute("textContent")
    outline = driver.execute_script(
        "const s = getComputedStyle(document.activeElement);"
        " return [s.outlineStyle, s.outlineWidth];"
    )
    assert outline[0] != "none" and outline[1] != "0px"
    journey.check("02-node-focused")

    # when: Enter
    html = journey.css("html")
    ActionChains(driver).send_keys(Keys.ENTER).perform()
    journey.wait(page_replaced(html))

    # then: the milestone's page
    assert driver.current_url == live_server.url + milestones[0].get_absolute_url()
    assert milestones[0].title in journey.css("h1").text
    journey.check("03-milestone")


@pytest.mark.parametrize("address", ["path", "/dashboard/"])
def test_at_390_px_the_map_runs_down_the_page_without_sideways_scrolling(
    live_server, browser, tmp_path, address
):
    driver = browser
    journey = Journey(driver, tmp_path)
    path, _milestones, user = _learner_on_a_path()
    _log_in(journey, live_server, user)
    driver.set_window_size(390, 900)

    driver.get(live_server.url + (path.get_absolute_url() if address == "path" else address))

    width = driver.execute_script("return document.documentElement.scrollWidth")
    assert width <= driver.execute_script("return window.innerWidth")
    first, second = driver.execute_script(
        "return [...document.querySelectorAll('.map-step')].slice(0, 2)"
        ".map(e => e.getBoundingClientRect()).map(r => [r.left, r.top, r.bottom]);"
    )
    assert first[0] == second[0] and second[1] >= first[2]  # stacked, not side by side
    journey.check(f"map-390-{'path' if address == 'path' else 'dashboard'}")


def test_track_pmp_from_its_milestone_and_come_back(live_server, browser, tmp_path):
    from selenium.webdriver.common.by import By

    driver = browser
    journey = Journey(driver, tmp_path)
    path, milestones, user = _learner_on_a_path()
    milestone = milestones[8]
    milestone.actions = [{"kind": "certification", "target": "pmp", "name": "PMP"}]
    milestone.save()
    pmp(slug="pmp", abbreviation="PMP")
    _log_in(journey, live_server, user)

    # given: the milestone's page offers the tool
    driver.get(live_server.url + milestone.get_absolute_url())
    button = driver.find_element(By.XPATH, "//button[normalize-space()='Track PMP']")
    journey.check("01-milestone-tools")

    # when: Track PMP
    journey.click_and_load(button)

    # then: the tracker shows the PMP, tracked for this learner
    assert "/certifications/mine/" in driver.current_url
    assert "Project Management Professional" in journey.css("h1").text
    assert LearnerCertification.objects.filter(learner=user, certification__slug="pmp").exists()
    journey.check("02-tracker")

    # and back to the milestone
    journey.click_and_load(journey.css("[data-testid=back-to-milestone] a"))
    assert driver.current_url == live_server.url + milestone.get_absolute_url()
    journey.check("03-back")
