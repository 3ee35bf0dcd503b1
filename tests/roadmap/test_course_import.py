"""Course CSV import: a preview of every row, then all rows or none, for course admins only."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.core import signing
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from roadmap.models import Course
from roadmap.services.course_import import (
    CourseImportError,
    course_csv_apply,
    course_csv_validate,
)
from tests.accounts.factories import UserFactory
from tests.roadmap.factories import CareerPathFactory, CourseFactory, StepFactory

pytestmark = pytest.mark.django_db

HEADER = "slug,title,provider,url,cost,currency,hours,level,steps\n"
IMPORT_URL = reverse("admin:roadmap_course_import_csv")


@pytest.fixture
def steps():
    path = CareerPathFactory(slug="ai-pm")
    return {
        "foundation": StepFactory(path=path, slug="foundation"),
        "ai-skills": StepFactory(path=path, slug="ai-skills"),
    }


@pytest.fixture
def existing(steps):
    course = CourseFactory(
        slug="ml-crash",
        title="ML Crash Course",
        provider="Google",
        url="https://developers.google.com/ml",
        hours=15,
        level="beginner",
    )
    course.steps.add(steps["ai-skills"])
    return course


@pytest.fixture
def admin_http(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


GOOD = (
    HEADER
    + "elements-of-ai,Elements of AI,University of Helsinki,https://www.elementsofai.com/,free,,30,"
    "beginner,ai-pm/foundation\n"
    + 'ml-crash,"ML Crash Course, revised",Google,https://developers.google.com/ml,19.99,usd,15,'
    "intermediate,ai-pm/ai-skills;ai-pm/foundation\n"
)


def _upload(client, content: str | bytes, name: str = "courses.csv"):
    data = content.encode("utf-8") if isinstance(content, str) else content
    return client.post(IMPORT_URL, {"file": SimpleUploadedFile(name, data, "text/csv")})


def _errors(response) -> list[tuple[int, str]]:
    return [(e.line, e.message) for e in response.context["preview"].errors]


# --- The service --------------------------------------------------------------------------------


def test_validate_previews_creates_and_updates_without_writing(existing, steps):
    # when a file with one new and one changed course is validated
    preview = course_csv_validate(text=GOOD)

    # then the preview says what would happen, field by field, and nothing is written
    assert preview.is_valid
    assert [r.slug for r in preview.to_create] == ["elements-of-ai"]
    (update,) = preview.to_update
    changes = {c.field: (c.old, c.new) for c in update.changes}
    assert changes == {
        "title": ("ML Crash Course", "ML Crash Course, revised"),
        "level": ("beginner", "intermediate"),
        "cost": ("Free", "19.99 USD"),
        "steps": ("ai-pm/ai-skills", "ai-pm/ai-skills ai-pm/foundation"),
    }
    assert Course.objects.count() == 1
    existing.refresh_from_db()
    assert existing.title == "ML Crash Course"


def test_apply_writes_every_row(existing, steps):
    # given a valid preview
    preview = course_csv_validate(text=GOOD)

    # when it is applied
    counts = course_csv_apply(preview=preview)

    # then new courses exist and changed ones are updated, steps included
    assert counts == {"created": 1, "updated": 1, "unchanged": 0}
    new = Course.objects.get(slug="elements-of-ai")
    assert (new.is_free, new.cost_amount, new.hours) == (True, None, 30)
    assert list(new.steps.all()) == [steps["foundation"]]
    existing.refresh_from_db()
    assert existing.title == "ML Crash Course, revised"
    assert (existing.is_free, existing.cost_amount, existing.cost_currency) == (
        False,
        Decimal("19.99"),
        "USD",
    )
    assert set(existing.steps.all()) == set(steps.values())
    # and importing the same file again changes nothing
    again = course_csv_validate(text=GOOD)
    assert [r.slug for r in again.unchanged] == ["elements-of-ai", "ml-crash"]
    assert again.to_create == again.to_update == []


def test_every_bad_row_is_reported_by_line(existing, steps):
    # given a file mixing good rows with one mistake of each kind
    text = (
        HEADER
        + "good-one,Good,P,https://a.example.com/,free,,1,beginner,ai-pm/foundation\n"  # 2
        + "insecure,Insecure,P,http://a.example.com/,free,,1,beginner,\n"  # 3
        + "level,Level,P,https://a.example.com/,free,,1,expert,\n"  # 4
        + "\n"  # 5: blank lines are skipped but still counted
        + "step,Step,P,https://a.example.com/,free,,1,beginner,ai-pm/nowhere\n"  # 6
        + "negative,Negative,P,https://a.example.com/,-5,USD,1,beginner,\n"  # 7
        + "no-currency,No currency,P,https://a.example.com/,10.00,,1,beginner,\n"  # 8
        + "good-one,Again,P,https://a.example.com/,free,,1,beginner,\n"  # 9
        + "short,Too few columns\n"  # 10
        + "good-two,Good two,P,https://b.example.com/,12.50,EUR,,advanced,ai-pm/ai-skills\n"  # 11
    )

    # when it is validated
    preview = course_csv_validate(text=text)

    # then each bad row is named by its line with its reason, and the file cannot be applied
    errors = [(e.line, e.message) for e in preview.errors]
    assert [line for line, _message in errors] == [3, 4, 6, 7, 8, 9, 10]
    messages = dict(errors)
    assert "bad URL" in messages[3] and "https://" in messages[3]
    assert "unknown level “expert”" in messages[4]
    assert "unknown step “ai-pm/nowhere”" in messages[6]
    assert "negative cost" in messages[7]
    assert "missing currency for a paid course" in messages[8]
    assert "duplicate slug “good-one” (also on line 2)" in messages[9]
    assert "expected 9 columns, found 2" in messages[10]
    assert not preview.is_valid
    with pytest.raises(CourseImportError):
        course_csv_apply(preview=preview)
    assert list(Course.objects.all()) == [existing]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("slug,title,provider,url\nx,X,P,https://x.example.com/\n", "Wrong header"),
        ("", "The file is empty."),
        (HEADER, "no courses"),
    ],
)
def test_file_level_problems(text, message):
    preview = course_csv_validate(text=text)
    assert [e.line for e in preview.errors] == [1]
    assert message in preview.errors[0].message
    assert not preview.is_valid


def test_apply_is_all_or_nothing(existing, steps):
    # given a valid preview that creates one course and updates another
    preview = course_csv_validate(text=GOOD)

    # when the course to update disappears before the preview is applied
    existing.delete()
    with pytest.raises(CourseImportError):
        course_csv_apply(preview=preview)

    # then not even the new course was created
    assert not Course.objects.exists()


def test_validation_reads_a_fixed_number_of_queries(steps, django_assert_max_num_queries):
    # given files of 5 and of 300 rows, each updating existing courses
    def rows(n):
        for i in range(n):
            CourseFactory(slug=f"c{i}-{n}").steps.add(steps["foundation"])
        return HEADER + "".join(
            f"c{i}-{n},Course {i},P,https://x.example.com/{i},free,,2,beginner,ai-pm/ai-skills\n"
            for i in range(n)
        )

    # then both are validated in the same few queries
    for n in (5, 300):
        text = rows(n)
        with django_assert_max_num_queries(3):
            preview = course_csv_validate(text=text)
        assert len(preview.to_update) == n


# --- The admin pages ----------------------------------------------------------------------------


def test_changelist_links_to_the_import(admin_http):
    response = admin_http.get(reverse("admin:roadmap_course_changelist"))
    assert f'href="{IMPORT_URL}"' in response.content.decode()
    assert "Import CSV" in response.content.decode()


def test_upload_previews_then_confirm_imports(admin_http, existing, steps):
    # given the import page
    assert admin_http.get(IMPORT_URL).status_code == 200

    # when a good file is uploaded
    response = _upload(admin_http, GOOD)

    # then a preview lists the rows and nothing is written yet
    page = response.content.decode()
    assert response.status_code == 200
    assert "1 to create, 1 to update, 0 unchanged." in page
    assert "ML Crash Course, revised" in page
    assert "Confirm import" in page
    assert Course.objects.count() == 1

    # when the admin confirms
    payload = response.context["confirm_form"].initial["payload"]
    response = admin_http.post(IMPORT_URL, {"payload": payload, "confirm": "Confirm import"})

    # then every row is imported and the admin is back on the catalogue with a summary
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:roadmap_course_changelist")
    assert Course.objects.count() == 2
    assert Course.objects.get(slug="ml-crash").level == "intermediate"
    page = admin_http.get(response["Location"]).content.decode()
    assert "1 created, 1 updated, 0 unchanged" in page


def test_bad_rows_block_the_import_even_with_good_rows(admin_http, existing, steps):
    # given a file whose first row is fine and second is not
    text = GOOD + "bad,Bad,P,https://x.example.com/,free,,1,guru,\n"

    # when it is uploaded
    response = _upload(admin_http, text)

    # then the bad row is reported by line, there is nothing to confirm, nothing was written
    page = response.content.decode()
    assert _errors(response) == [
        (4, "unknown level “guru” (one of beginner, intermediate, advanced)")
    ]
    assert "nothing was imported" in page
    assert response.context["confirm_form"] is None
    assert 'name="confirm"' not in page
    assert list(Course.objects.all()) == [existing]
    existing.refresh_from_db()
    assert existing.title == "ML Crash Course"


def test_a_correctly_signed_bad_file_is_still_refused(admin_http, existing, steps):
    # given a payload signed for this admin (as a stale preview would be) with a bad row in it
    user = admin_http.get(IMPORT_URL).wsgi_request.user
    text = GOOD + "bad,Bad,P,http://x.example.com/,free,,1,beginner,\n"
    payload = signing.dumps(text, salt=f"roadmap.course-import:{user.pk}", compress=True)

    # when it is confirmed
    response = admin_http.post(IMPORT_URL, {"payload": payload, "confirm": "Confirm import"})

    # then the rows are checked again and nothing is imported
    assert response.status_code == 200
    assert [line for line, _ in _errors(response)] == [4]
    assert list(Course.objects.all()) == [existing]


def test_tampered_payload_is_refused(admin_http, existing, steps):
    # given a real preview's payload, edited by the client
    payload = _upload(admin_http, GOOD).context["confirm_form"].initial["payload"]
    forged = payload[:-4] + ("AAAA" if not payload.endswith("AAAA") else "BBBB")

    # when it is confirmed, then nothing is imported
    response = admin_http.post(IMPORT_URL, {"payload": forged, "confirm": "Confirm import"})
    assert response.status_code == 200
    assert "The preview expired or was changed" in response.content.decode()
    assert Course.objects.count() == 1


def test_payload_signed_for_another_admin_is_refused(admin_http, client, existing, steps):
    # given a preview made by another admin
    other = UserFactory(is_staff=True, is_superuser=True)
    payload = signing.dumps(GOOD, salt=f"roadmap.course-import:{other.pk}", compress=True)

    # when this admin confirms it, then nothing is imported
    response = admin_http.post(IMPORT_URL, {"payload": payload, "confirm": "Confirm import"})
    assert "The preview expired or was changed" in response.content.decode()
    assert Course.objects.count() == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ((HEADER + "é,É,P,https://x.example.com/,free,,1,beginner,\n").encode("latin-1"), "UTF-8"),
        (b"x" * (1024 * 1024 + 1), "larger than 1 MB"),
    ],
)
def test_unreadable_files_are_refused(admin_http, content, message):
    # when a non-UTF-8 or oversized file is uploaded
    response = _upload(admin_http, content)

    # then the form says why and nothing is written
    assert response.status_code == 200
    assert message in response.content.decode()
    assert response.context["preview"] is None
    assert not Course.objects.exists()


def test_wrong_header_is_reported(admin_http):
    response = _upload(admin_http, "name,url\nx,https://x.example.com/\n")
    assert _errors(response)[0][0] == 1
    assert "Wrong header" in _errors(response)[0][1]
    assert not Course.objects.exists()


def test_utf8_with_byte_order_mark_is_accepted(admin_http, steps):
    response = _upload(
        admin_http,
        ("\ufeff" + GOOD.splitlines(keepends=True)[0])
        + (
            "elements-of-ai,Elements of AI,Helsinki,https://www.elementsofai.com/,free,,30,beginner,\n"
        ),
    )
    assert response.context["preview"].is_valid


# --- Who may import -----------------------------------------------------------------------------


def test_anonymous_and_learners_cannot_reach_the_import(client, existing):
    # anonymous visitors are sent to the admin login
    response = client.get(IMPORT_URL)
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]

    # a signed-in learner (not staff) is sent to the admin login too, and cannot post
    client.force_login(UserFactory())
    assert client.get(IMPORT_URL).status_code == 302
    response = _upload(client, GOOD)
    assert response.status_code == 302
    assert Course.objects.count() == 1


def test_staff_need_course_permissions(client, existing, steps):
    # given a staff member who may only view courses
    staff = UserFactory(is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_course"))
    client.force_login(staff)

    # then the import is forbidden, and the changelist offers no link to it
    assert client.get(IMPORT_URL).status_code == 403
    assert _upload(client, GOOD).status_code == 403
    assert IMPORT_URL not in client.get(reverse("admin:roadmap_course_changelist")).content.decode()
    assert Course.objects.count() == 1

    # when they are given add and change permissions on courses, the import opens
    staff.user_permissions.add(
        *Permission.objects.filter(codename__in=["add_course", "change_course"])
    )
    client.force_login(staff)
    assert client.get(IMPORT_URL).status_code == 200


# --- In a real browser --------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_import_journey_in_a_browser_without_console_errors(browser, live_server, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    from tests.accounts.factories import DEFAULT_PASSWORD
    from tests.browser import console_errors as all_console_errors
    from tests.browser import save_screenshot
    from tests.roadmap.factories import MilestoneResourceFactory

    def console_errors(driver) -> list[str]:
        # Django's own admin pages link no favicon, so the browser asks for /favicon.ico.
        return [e for e in all_console_errors(driver) if "/favicon.ico" not in e]

    # given an admin signed in to the admin, and a milestone with a course resource
    admin_user = UserFactory(is_staff=True, is_superuser=True)
    path = CareerPathFactory(slug="ai-pm")
    StepFactory(path=path, slug="foundation")
    resource = MilestoneResourceFactory()
    driver = browser
    driver.get(live_server.url + reverse("admin:login"))
    driver.find_element(By.NAME, "username").send_keys(admin_user.email)
    driver.find_element(By.NAME, "password").send_keys(DEFAULT_PASSWORD)
    driver.find_element(By.CSS_SELECTOR, "input[type=submit]").click()
    WebDriverWait(driver, 10).until(lambda d: "Site administration" in d.page_source)

    # when they open the milestone form (autocomplete, inlines) and the course catalogue
    driver.get(
        live_server.url + reverse("admin:roadmap_milestone_change", args=[resource.milestone.pk])
    )
    WebDriverWait(driver, 10).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".select2"))
    assert console_errors(driver) == []
    driver.get(live_server.url + reverse("admin:roadmap_course_changelist"))
    driver.find_element(By.CSS_SELECTOR, f'.object-tools a[href="{IMPORT_URL}"]').click()
    WebDriverWait(driver, 10).until(lambda d: "Import courses from CSV" in d.title)
    assert console_errors(driver) == []

    # and upload a file, then confirm the preview
    csv_file = tmp_path / "courses.csv"
    csv_file.write_text(
        HEADER + "elements-of-ai,Elements of AI,Helsinki,https://www.elementsofai.com/,free,,30,"
        "beginner,ai-pm/foundation\n",
        encoding="utf-8",
    )
    driver.find_element(By.NAME, "file").send_keys(str(csv_file))
    driver.find_element(By.NAME, "preview").click()
    WebDriverWait(driver, 10).until(lambda d: d.find_elements(By.ID, "import-create"))
    assert (
        "1 to create, 0 to update, 0 unchanged."
        in driver.find_element(By.ID, "import-summary").text
    )
    save_screenshot(driver, tmp_path, "course-import-preview")
    assert console_errors(driver) == []
    assert not Course.objects.filter(slug="elements-of-ai").exists()
    driver.find_element(By.NAME, "confirm").click()

    # then the catalogue lists the imported course, with no console errors on the way
    WebDriverWait(driver, 10).until(lambda d: "1 created, 0 updated" in d.page_source)
    assert "Elements of AI" in driver.page_source
    assert console_errors(driver) == []
    assert Course.objects.get(slug="elements-of-ai").steps.get().slug == "foundation"


# --- NUL characters and line breaks (run on PostgreSQL too: it cannot hold a NUL) ------------


def test_a_nul_in_a_slug_is_a_row_error_in_the_preview(admin_http, existing, steps):
    # given a file whose second row's slug holds a NUL character
    text = GOOD + "bad\x00slug,Bad,P,https://x.example.com/,free,,1,beginner,\n"

    # when it is uploaded
    response = _upload(admin_http, text)

    # then the preview names the row and the column, and nothing can be confirmed
    assert response.status_code == 200
    assert _errors(response) == [(4, "a NUL character (U+0000) in slug: remove it")]
    assert response.context["confirm_form"] is None


def test_a_nul_in_a_title_is_refused_at_confirm_too(admin_http, existing, steps):
    # given a payload signed for this admin with a NUL in a title
    user = admin_http.get(IMPORT_URL).wsgi_request.user
    text = HEADER + "new-course,Ti\x00tle,P,https://x.example.com/,free,,1,beginner,\n"
    payload = signing.dumps(text, salt=f"roadmap.course-import:{user.pk}", compress=True)

    # when it is confirmed
    response = admin_http.post(IMPORT_URL, {"payload": payload, "confirm": "Confirm import"})

    # then nothing is imported, and the row is named
    assert response.status_code == 200
    assert _errors(response) == [(2, "a NUL character (U+0000) in title: remove it")]
    assert list(Course.objects.all()) == [existing]


def test_a_line_break_inside_a_quoted_title_becomes_a_space(steps):
    # when
    preview = course_csv_validate(
        text=HEADER + 'new-course,"Two\r\nlines",P,https://x.example.com/,free,,1,beginner,\n'
    )

    # then
    assert not preview.errors
    assert preview.to_create[0].values["title"] == "Two lines"


def test_hours_are_bounded_like_the_admins_course_form(steps):
    # when: more hours than core.bounds.HOURS_MAX, though a valid 32-bit integer
    preview = course_csv_validate(
        text=HEADER + "new-course,Title,P,https://x.example.com/,free,,2000000000,beginner,\n"
    )

    # then
    assert [(e.line, e.message) for e in preview.errors] == [
        (2, "hours must be a whole number up to 10000, found “2000000000”")
    ]
