"""The personal plan in headless Chromium: enrol, onboarding (prior learning, 6 h a week), the
plan, work done, this week's panel, falling behind (in frozen time) and Re-plan from this week;
each page at 1280 and 390 px wide."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client

from roadmap.models import MilestoneProgress, PlanRevision
from tests.accounts.factories import UserFactory
from tests.browser import Journey
from tests.roadmap.factories import build_roadmap, path_milestones

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Wednesday 9 December 2026, 10:00 UTC; the learner is on UTC.
WEDNESDAY = dt.datetime(2026, 12, 9, 10, tzinfo=dt.UTC)
# Twelve days later (sessions last two weeks): the plan's first two weeks are over.
TWO_WEEKS_ON = dt.datetime(2026, 12, 21, 10, tzinfo=dt.UTC)


def check_both_widths(journey: Journey, name: str) -> None:
    journey.check(f"{name}-1280")
    journey.driver.set_window_size(390, 900)
    journey.check(f"{name}-390")
    width = journey.driver.execute_script("return document.documentElement.scrollWidth")
    assert width <= 390, f"{name}: the page is {width}px wide at 390"
    journey.driver.set_window_size(1280, 1000)


def test_enrol_plan_work_fall_behind_and_replan(live_server, browser, tmp_path):
    from selenium.webdriver.common.by import By

    journey = Journey(browser, tmp_path)
    driver = browser
    path = build_roadmap(steps=2, milestones_per_step=3, slug="ai-project-manager")
    m = path_milestones(path)
    m[0].title = "A relevant degree or equivalent experience"
    m[0].effort_hours = 500
    m[0].save()

    with time_machine.travel(WEDNESDAY, tick=True):
        # given: a learner, logged in
        learner = UserFactory()
        client = Client()
        client.force_login(learner)
        driver.get(live_server.url + "/")
        driver.add_cookie({"name": "sessionid", "value": client.cookies["sessionid"].value})

        # when: they enrol
        driver.get(live_server.url + path.get_absolute_url())
        journey.click_and_load(journey.css("form.enrol-form button[type=submit]"))

        # then: onboarding, the degree made obvious
        assert "What do you already have?" in driver.page_source
        assert "most people start here" in journey.css(".prior-item-big").text
        check_both_widths(journey, "01-prior-learning")

        # when: they already have the degree (with evidence), nothing on step 2
        journey.css(f"#have-{m[0].pk}").click()
        journey.css(f"#evidence-{m[0].pk}").send_keys("https://example.com/diploma")
        journey.click_and_load(journey.css("#prior-next"))
        journey.click_and_load(journey.css("#prior-next"))

        # and give 6 hours a week, Monday to Friday (the default days)
        assert "How much time do you have?" in driver.page_source
        check_both_widths(journey, "02-time")
        hours = journey.css("input[name=hours_per_week]")
        hours.clear()
        hours.send_keys("6")
        journey.click_and_load(journey.css("#plan-save"))
        check_both_widths(journey, "03-fixed-dates")
        journey.click_and_load(journey.css("#setup-done"))

        # then: the plan, without the degree: 20 hours over weeks of 6
        summary = journey.css("[data-testid=plan-summary]").text
        assert "6 hours a week · 20 hours of work left" in summary
        rows = driver.find_elements(By.CSS_SELECTOR, "#plan-weeks tbody tr")
        assert len(rows) == 4  # 3.5 h this Wednesday-to-Friday, 6, 6 and 4.5
        assert m[0].title not in journey.css("#plan-weeks").text
        check_both_widths(journey, "04-plan")
        driver.execute_script("document.getElementById('plan-weeks').scrollIntoView()")
        check_both_widths(journey, "04b-plan-weeks")

        # and the dashboard's first panel is this week
        driver.get(live_server.url + "/dashboard/")
        panel = journey.css("#this-week")
        assert m[1].title in panel.text
        assert "0 of 6 hours done" in journey.css("[data-testid=weekly-goal]").text
        check_both_widths(journey, "05-dashboard-this-week")

        # when: they mark this week's milestone done on its step page
        driver.get(live_server.url + m[1].step.get_absolute_url())
        assert "planned: week of" in journey.css(f"#milestone-{m[1].pk}").text
        journey.css(f"#milestone-{m[1].pk} button[data-status=done]").click()
        journey.wait(
            lambda d: "status-done" in journey.css(f"#milestone-{m[1].pk}").get_attribute("class")
        )

        # then: the panel has changed: the goal counts it, and the week's room left (6 hours
        # less the 3.5 spent) goes to the next milestone
        driver.get(live_server.url + "/dashboard/")
        assert "4 of 6 hours done" in journey.css("[data-testid=weekly-goal]").text
        assert "1 of 2 planned done" in journey.css("[data-testid=planned-done]").text
        assert m[2].title in journey.css("#this-week-planned").text
        check_both_widths(journey, "06-dashboard-after-work")

    with time_machine.travel(TWO_WEEKS_ON, tick=True):
        # when: twelve days on, nothing more done
        driver.get(live_server.url + "/dashboard/")

        # then: falling behind, with one click to re-plan
        assert "You are falling behind." in journey.css("#falling-behind").text
        check_both_widths(journey, "07-falling-behind")
        journey.click_and_load(journey.css("#replan-button"))

        # then: re-planned from this week, progress kept, the old plan in the history
        assert "Re-planned from this week" in journey.css(".messages").text
        assert not driver.find_elements(By.ID, "falling-behind")
        check_both_widths(journey, "08-replanned")
        statuses = dict(
            MilestoneProgress.objects.filter(learner=learner).values_list("milestone", "status")
        )
        assert statuses[m[0].pk] == statuses[m[1].pk] == "done"
        assert PlanRevision.objects.filter(learner=learner, reason="replan").count() == 1
        first_week = min(
            r.plan_week
            for r in MilestoneProgress.objects.filter(learner=learner, plan_week__isnull=False)
            if r.status not in ("done", "skipped")
        )
        assert first_week == dt.date(2026, 12, 21)
