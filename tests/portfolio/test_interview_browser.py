"""Headless Chromium: practise an interview question in the STAR shape and delete the answer in
place with htmx; check a CV against a job description. No console errors (CSP included)."""

import re

import pytest

from portfolio.models import CVCheck, PracticeAnswer
from tests.accounts.factories import DEFAULT_PASSWORD, UserFactory
from tests.browser import Journey
from tests.portfolio.factories_practice import (
    CV,
    JOB,
    InterviewQuestionFactory,
    QuestionCategoryFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_practise_a_question_then_check_a_cv(live_server, browser, tmp_path):
    from selenium.webdriver.common.by import By

    driver = browser

    journey = Journey(driver, tmp_path)
    wait, css, check = (journey.wait, journey.css, journey.check)

    def paste(selector, text):
        # send_keys types character by character; setting the value is what a paste does
        driver.execute_script("arguments[0].value = arguments[1];", css(selector), text)

    # given: a small bank and a learner who logs in
    soft = QuestionCategoryFactory(slug="soft-skills", name="Teamwork", position=0)
    InterviewQuestionFactory(
        category=soft, slug="team-conflict", text="How do you handle team conflict?"
    )
    QuestionCategoryFactory(slug="ethics", name="Ethics", position=1)
    InterviewQuestionFactory(category__slug="leadership", category__name="Leadership")
    user = UserFactory()
    driver.get(live_server.url + "/accounts/login/")
    css("input[name=login]").send_keys(user.email)
    css("input[name=password]").send_keys(DEFAULT_PASSWORD)
    css("main form button[type=submit]").click()
    wait(lambda d: d.current_url.endswith("/dashboard/"))

    # when: they open interview practice from the menu
    driver.find_element(By.LINK_TEXT, "Interview practice").click()
    wait(lambda d: "/portfolio/questions/" in d.current_url)
    assert "Teamwork" in css("#not-practised-title").find_element(By.XPATH, "..").text
    check("01-bank")

    # and answer the conflict question in the STAR shape
    driver.find_element(By.LINK_TEXT, "How do you handle team conflict?").click()
    wait(lambda d: "/portfolio/questions/team-conflict/" in d.current_url)
    css("textarea[name=situation]").send_keys("Two engineers disagreed on a release plan.")
    css("textarea[name=action]").send_keys("I met each, then ran a short session on the facts.")
    css("textarea[name=result]").send_keys("One plan in a day; we shipped on time.")
    css("input[name=confidence][value='2']").click()
    css("form.star-form button[type=submit]").click()
    wait(lambda d: "Answer saved" in d.page_source)
    answer = PracticeAnswer.objects.get(learner=user)
    assert answer.confidence == 2
    assert "One plan in a day" in css(f"#answer-{answer.pk}").text
    check("02-answered")

    # then: the bank no longer lists Teamwork as not practised, and shows the low confidence
    driver.find_element(By.LINK_TEXT, "Interview practice").click()
    wait(lambda d: d.current_url.endswith("/portfolio/questions/"))
    assert "Teamwork" not in css("#not-practised-title").find_element(By.XPATH, "..").text
    assert "confidence 2/5" in driver.page_source
    driver.find_element(By.LINK_TEXT, "How do you handle team conflict?").click()
    wait(lambda d: "/portfolio/questions/team-conflict/" in d.current_url)

    # when: they delete the answer (htmx: in place, no page load)
    url_before = driver.current_url
    css(f"#answer-{answer.pk} form button[type=submit]").click()
    wait(lambda d: "Answer deleted." in css("#answer-status").text)
    assert driver.current_url == url_before
    assert not driver.find_elements(By.CSS_SELECTOR, f"#answer-{answer.pk}")
    assert not PracticeAnswer.objects.exists()
    check("03-deleted-in-place")

    # when: they check their CV from the bank's link
    driver.find_element(By.LINK_TEXT, "Interview practice").click()
    wait(lambda d: d.current_url.endswith("/portfolio/questions/"))
    driver.find_element(By.LINK_TEXT, "Check your CV against a job").click()
    wait(lambda d: "/portfolio/cv-checks/new/" in d.current_url)
    check("04-cv-form")
    paste("textarea[name=cv_text]", CV)
    paste("textarea[name=job_text]", JOB)
    css("form.cv-check-form button[type=submit]").click()
    # (the form page itself mentions "key terms", so wait for the result's address)
    wait(lambda d: re.search(r"/portfolio/cv-checks/\d+/$", d.current_url))

    # then: the result shows the missing terms first, and the score with its reasons
    result = CVCheck.objects.get(learner=user)
    assert driver.current_url.endswith(result.get_absolute_url())
    first_missing = (
        css("#missing-title")
        .find_element(By.XPATH, "..")
        .find_element(By.CSS_SELECTOR, ".term-missing h3")
    )
    assert first_missing.text.startswith("Artificial intelligence (AI)")
    assert "+35 of 70" in css("#score-title").find_element(By.XPATH, "..").text
    check("05-cv-result")
