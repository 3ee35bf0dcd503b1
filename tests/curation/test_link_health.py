"""Link health against a local HTTP server started by the test on 127.0.0.1 (never the
internet): 200, 301, 404, 500, a timeout and a server that refuses HEAD; the sync from the apps'
curated addresses; the admin list, its filters and the "check now" action; the weekly schedule."""

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.conf import settings
from django.urls import reverse

from curation.models import LinkCheck, LinkState
from curation.services import link_fetch, links_check, links_sync
from tests.accounts.factories import UserFactory
from tests.certifications.factories import CertificationFactory
from tests.roadmap.factories import CourseFactory, MilestoneFactory, MilestoneResourceFactory

pytestmark = pytest.mark.django_db

SLOW_SECONDS = 2.0


class Handler(BaseHTTPRequestHandler):
    seen: list[tuple[str, str, str]] = []  # (method, path, user agent)

    def _answer(self, with_body: bool) -> None:
        Handler.seen.append((self.command, self.path, self.headers.get("User-Agent", "")))
        if self.path == "/slow":
            time.sleep(SLOW_SECONDS)
        if self.path == "/no-head" and self.command == "HEAD":
            status = 405
        else:
            status = {"/ok": 200, "/moved": 301, "/gone": 404, "/broken": 500,
                      "/slow": 200, "/no-head": 200}.get(self.path, 404)  # fmt: skip
        self.send_response(status)
        if status == 301:
            self.send_header("Location", "/ok")
        self.send_header("Content-Length", "2")
        self.end_headers()
        if with_body:
            self.wfile.write(b"ok")

    def do_HEAD(self):  # noqa: N802
        self._answer(with_body=False)

    def do_GET(self):  # noqa: N802
        self._answer(with_body=True)

    def log_message(self, *args):  # quiet
        pass


@pytest.fixture
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    Handler.seen = []
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(autouse=True)
def fast_checks(settings):
    settings.LINK_CHECK_TIMEOUT = 0.5
    settings.LINK_CHECK_CONCURRENCY = 3


def fetch(url):
    return link_fetch(url, timeout=0.5, user_agent=settings.LINK_CHECK_USER_AGENT)


def test_each_kind_of_answer_is_recorded(server):
    ok, moved, gone, broken = (fetch(f"{server}{p}") for p in ("/ok", "/moved", "/gone", "/broken"))
    assert (ok.status_code, ok.state, ok.method) == (200, LinkState.OK, "HEAD")
    # a redirect is followed and where it ends is kept
    assert (moved.status_code, moved.final_url, moved.state) == (200, f"{server}/ok", "redirected")
    assert (gone.status_code, gone.state) == (404, LinkState.BROKEN)
    assert (broken.status_code, broken.state) == (500, LinkState.BROKEN)
    # every request says who is asking
    assert {agent for _, _, agent in Handler.seen} == {settings.LINK_CHECK_USER_AGENT}
    assert "link-checker" in settings.LINK_CHECK_USER_AGENT


def test_a_server_that_refuses_head_gets_a_get(server):
    result = fetch(f"{server}/no-head")
    assert (result.status_code, result.method, result.state) == (200, "GET", LinkState.OK)
    assert [m for m, p, _ in Handler.seen if p == "/no-head"] == ["HEAD", "GET"]


def test_a_slow_server_times_out_and_is_asked_once(server):
    started = time.perf_counter()
    result = fetch(f"{server}/slow")
    assert time.perf_counter() - started < SLOW_SECONDS
    assert (result.status_code, result.error, result.state) == (None, "timeout", "broken")
    assert [m for m, p, _ in Handler.seen if p == "/slow"] == ["HEAD"]


def test_a_closed_port_is_broken_with_its_reason():
    result = fetch("http://127.0.0.1:9/")
    assert result.status_code is None and result.error and result.state == LinkState.BROKEN


def test_links_check_stores_results_counts_failures_and_runs_requests_in_parallel(server):
    # given: six links, two of them slow, checked three at a time
    paths = ["/ok", "/moved", "/gone", "/broken", "/slow", "/slow?again"]
    LinkCheck.objects.bulk_create(LinkCheck(url=f"{server}{p}") for p in paths)

    # when
    started = time.perf_counter()
    counts = links_check()
    elapsed = time.perf_counter() - started

    # then: each row has its result, and the slow ones ran side by side, bounded by the timeout
    assert counts == {"unchecked": 0, "ok": 1, "redirected": 1, "broken": 4}
    rows = {c.url.removeprefix(server): c for c in LinkCheck.objects.all()}
    assert rows["/moved"].final_url == f"{server}/ok" and rows["/moved"].status_code == 200
    assert rows["/gone"].consecutive_failures == 1 and rows["/ok"].consecutive_failures == 0
    assert rows["/slow"].error == "timeout" and rows["/slow"].checked_at is not None
    assert elapsed < 2 * 0.5 + 0.5, elapsed
    # and a second failing run counts up; a link that works again starts from zero
    links_check(checks=LinkCheck.objects.filter(url__in=[f"{server}/gone", f"{server}/ok"]))
    assert LinkCheck.objects.get(url=f"{server}/gone").consecutive_failures == 2
    assert LinkCheck.objects.get(url=f"{server}/ok").consecutive_failures == 0


def test_sync_collects_every_curated_address_once_with_where_it_is_used():
    # given: a course used by a milestone, a plain link, a certification and its source
    course = CourseFactory(title="PyTorch Tutorials", url="https://docs.example.org/tutorials/")
    MilestoneResourceFactory(course=course)
    MilestoneResourceFactory(
        milestone=MilestoneFactory(slug="ai-risk"), course=None, title="EU AI Act",
        url="https://eur-lex.example.eu/act",
    )  # fmt: skip
    CertificationFactory(name="PMP", url="https://pmi.example.org/pmp",
                         source="https://pmi.example.org/rules")  # fmt: skip
    LinkCheck.objects.create(url="https://gone.example.com/", consecutive_failures=3)

    # when
    counts = links_sync()

    # then
    urls = dict(LinkCheck.objects.values_list("url", "used_by"))
    assert urls == {
        "https://docs.example.org/tutorials/": "Course: PyTorch Tutorials",
        "https://eur-lex.example.eu/act": "Milestone ai-risk: EU AI Act",
        "https://pmi.example.org/pmp": "Certification: PMP",
        "https://pmi.example.org/rules": "Certification source: PMP",
    }
    assert counts == {"created": 4, "removed": 1, "total": 4}
    assert links_sync()["created"] == 0  # a rerun adds nothing


def test_the_check_runs_weekly_from_the_beat_schedule():
    entry = next(
        e for e in settings.CELERY_BEAT_SCHEDULE.values()
        if e["task"] == "curation.tasks.check_links"
    )  # fmt: skip
    assert entry["schedule"].day_of_week == {1}  # once a week, on Monday


# --- The admin ------------------------------------------------------------------------------------


@pytest.fixture
def admin_http(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_the_admin_lists_broken_and_redirected_links_with_filters(
    admin_http, django_assert_max_num_queries
):
    LinkCheck.objects.create(url="https://a.example/", state="broken", status_code=404,
                             consecutive_failures=3)  # fmt: skip
    LinkCheck.objects.create(url="https://b.example/", state="redirected", status_code=200,
                             final_url="https://b.example/new")  # fmt: skip
    LinkCheck.objects.bulk_create(
        LinkCheck(url=f"https://ok{i}.example/", state="ok", status_code=200) for i in range(30)
    )
    changelist = reverse("admin:curation_linkcheck_changelist")

    with django_assert_max_num_queries(8):
        response = admin_http.get(changelist, {"state": "broken"})
    assert response.status_code == 200
    assert list(response.context["cl"].result_list.values_list("url", flat=True)) == [
        "https://a.example/"
    ]
    response = admin_http.get(changelist, {"failing": "2"})
    assert [c.url for c in response.context["cl"].result_list] == ["https://a.example/"]
    response = admin_http.get(changelist, {"state": "redirected"})
    assert "https://b.example/new" in response.content.decode()


def test_check_now_checks_the_selected_links(admin_http, server):
    link = LinkCheck.objects.create(url=f"{server}/gone")
    response = admin_http.post(
        reverse("admin:curation_linkcheck_changelist"),
        {"action": "check_now", "_selected_action": [link.pk]},
        follow=True,
    )
    link.refresh_from_db()
    assert (link.state, link.status_code, link.consecutive_failures) == ("broken", 404, 1)
    assert "Checked 1 link: 0 working, 0 redirected, 1 broken." in response.content.decode()
