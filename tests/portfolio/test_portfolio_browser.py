"""Headless Chromium: create a project, publish the portfolio, open the public page logged out
(and see it print as a clean page)."""

import datetime as dt

import pytest

from portfolio.models import Project, PublicPortfolio
from portfolio.services.projects import portfolio_unpublish
from roadmap.models import MilestoneProgress
from tests.accounts.factories import DEFAULT_PASSWORD, UserFactory
from tests.browser import Journey
from tests.roadmap.factories import EnrollmentFactory, build_roadmap, path_milestones

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_create_a_project_publish_the_portfolio_and_open_it_logged_out(
    live_server, browser, tmp_path
):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    driver = browser

    journey = Journey(driver, tmp_path)
    css, click_and_load, set_value, check = (
        journey.css,
        journey.click_and_load,
        journey.set_value,
        journey.check,
    )

    # given: a learner enrolled in a path, who logs in
    path = build_roadmap(steps=2, milestones_per_step=3, slug="ai-project-manager")
    milestone = path_milestones(path)[4]  # in the second step
    learner = UserFactory(display_name="Grace Hopper", email="grace@example.com")
    EnrollmentFactory(learner=learner, path=path)
    driver.get(live_server.url + "/accounts/login/")
    css("input[name=login]").send_keys(learner.email)
    css("input[name=password]").send_keys(DEFAULT_PASSWORD)
    click_and_load(css("main form button[type=submit]"))
    assert driver.current_url.endswith("/dashboard/")

    # when: they open their portfolio from the menu and add a finished volunteer project
    click_and_load(driver.find_element(By.LINK_TEXT, "Portfolio"))
    check("01-portfolio-empty")
    click_and_load(driver.find_element(By.LINK_TEXT, "Add a project"))
    css("input[name=title]").send_keys("Food bank volunteer rota")
    Select(css("select[name=kind]")).select_by_visible_text("Volunteer work")
    css("input[name=role]").send_keys("Volunteer coordinator")
    set_value("input[name=started_on]", "2026-01-05")
    set_value("input[name=ended_on]", (dt.date.today() - dt.timedelta(days=3)).isoformat())
    css("textarea[name=what_i_did]").send_keys("Planned the rota and ran a weekly check-in.")
    css("textarea[name=outcome]").send_keys("Unfilled shifts down from 12 to 2 a month.")
    css("input[name=skills]").send_keys("Planning, Stakeholder management")
    # the milestones are grouped by step, each group folded: open the second one
    driver.find_elements(By.CSS_SELECTOR, ".milestone-group summary")[1].click()
    css(f"input[name=milestones][value='{milestone.pk}']").click()
    css("input[name=is_public]").click()
    check("02-project-form")
    click_and_load(css("main form.project-form button[type=submit]"))

    # then: the project page, and the milestone is done on the roadmap
    assert "is in your portfolio" in css(".messages").text
    assert milestone.title in css("main").text
    assert Project.objects.get(learner=learner).skills == ["Planning", "Stakeholder management"]
    assert MilestoneProgress.objects.get(learner=learner, milestone=milestone).status == "done"
    check("03-project")

    # and they add a link to the write-up
    css("input[name=url]").send_keys("https://example.com/food-bank-rota")
    css("input[name=label]").send_keys("Case study")
    click_and_load(css("form[action$='/links/'] button[type=submit]"))
    assert "Link added." in css(".messages").text

    # when: they choose the page's address and publish it
    click_and_load(driver.find_element(By.LINK_TEXT, "My portfolio"))
    click_and_load(driver.find_element(By.LINK_TEXT, "Set up your public page"))
    css("input[name=slug]").send_keys("Grace-Hopper")
    css("input[name=headline]").send_keys("AI project manager in the making")
    css("input[name=show_progress]").click()
    check("04-public-settings")
    click_and_load(css("button[name=publish]"))

    # then: it says where the page is
    assert "online at" in css(".messages").text
    public_url = css("a.public-url").get_attribute("href")
    assert public_url == f"{live_server.url}/p/grace-hopper/"
    assert PublicPortfolio.objects.get(learner=learner).is_published
    check("05-published")

    # when: they log out and open the address as anyone would
    css("details.account-menu summary").click()
    click_and_load(driver.find_element(By.XPATH, "//button[normalize-space()='Log out']"))
    assert "Log in" in css(".account-nav").text
    driver.get(public_url)

    # then: the public page shows the project, its link and the progress they chose to share
    assert css("h1").text == "Grace Hopper"
    main = css("main").text
    assert "Food bank volunteer rota" in main and "Unfilled shifts down from 12 to 2" in main
    assert "Case study" in main and "Career path progress" in main
    assert "grace@example.com" not in driver.page_source
    check("06-public-page")

    # and on paper only the content is left (the print stylesheet hides the site's chrome)
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    assert not css(".site-header").is_displayed()
    assert not css(".site-footer").is_displayed()
    assert css(".public-project h3").is_displayed()
    assert css(".public-links a").value_of_css_property("color") in (
        "rgba(0, 0, 0, 1)",
        "rgb(0, 0, 0)",
    )
    check("07-public-page-print")
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})

    # and once the learner unpublishes it, the same address is not found
    portfolio_unpublish(learner=learner)
    driver.get(public_url)
    assert "Food bank volunteer rota" not in driver.page_source
    assert css("h1").text != "Grace Hopper"
