"""The pages for action in a real browser (headless Chromium against a real `credentials serve`,
as test_dashboard_browser runs them): a newcomer opens Due from the nav and sees who to chase
this week; a member's page says what is needed and which reminders were sent, and its what-if
form answers without recording anything; the member's statement prints as a clean document.

The demo members are loaded and today's reminder run made through the API, so the pages have
something to show. Screenshots (and the statement as PDF) are left in test-artifacts/.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import test_dashboard_browser as browsing
from api_support import TOKENS
from browser_support import demo_site
from server_support import Server

STAFF = TOKENS["staff"]
ARTIFACTS, sign_in = browsing.ARTIFACTS, browsing.sign_in
# The browser and a fresh page per test, as test_dashboard_browser makes them.
browser, page = browsing.browser, browsing.page


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with demo_site(tmp_path_factory.mktemp("browser-due")) as started:
        # Today's run, as the daily job makes it (nothing new if the demo already issued today's).
        status, _, run = started.request("POST", "/reminders/runs", {"as_of": datetime.now(UTC).date().isoformat()},
                                         token=STAFF)
        assert status == 201, run
        yield started


@pytest.fixture(scope="module")
def site(server: Server) -> str:
    return server.base


def reminded(server: Server) -> str:
    """A member the run reminded: they have something due, and a reminder to show."""
    _, _, outbox = server.request("GET", "/reminders", token=STAFF)
    assert outbox["rows"], "the demo members are owed reminders today"
    return str(outbox["rows"][0]["member_id"])


def test_a_newcomer_opens_due_from_the_nav_and_sees_who_to_chase_this_week(page: Any, site: str,
                                                                           server: Server) -> None:
    sign_in(page, site, "staff")
    page.click("nav >> text=Due")
    page.wait_for_url("**/dashboard/due")
    assert page.locator("table[data-table=due]").is_visible()
    _, _, quarter = server.request("GET", "/worklists/due", token=STAFF)
    assert page.locator("table[data-table=due] tr[data-member]").count() == len(quarter["items"]) > 0
    page.screenshot(path=str(ARTIFACTS / "due.png"), full_page=True)

    page.click("a[data-quick='7']")
    page.wait_for_url("**/dashboard/due?within=7")
    _, _, week = server.request("GET", "/worklists/due?within=7", token=STAFF)
    listed = page.locator("table[data-table=due] tr[data-member]")
    assert [listed.nth(i).get_attribute("data-member") for i in range(listed.count())] == [
        item["member_id"] for item in week["items"]]
    assert page.locator("a[data-quick='7']").get_attribute("aria-current") == "page"
    flagged = page.locator("tr[data-inactive]")
    inactive = [item for item in week["items"] if item["status"] == "inactive"]
    assert flagged.count() == len(inactive)
    if inactive:  # the flag is seen, not only marked up
        assert flagged.first.locator(".flag").is_visible()
        assert flagged.first.locator("td").first.evaluate("cell => getComputedStyle(cell).backgroundColor") != (
            "rgba(0, 0, 0, 0)")
    assert page.locator("a[data-download=csv]").get_attribute("href") == "/dashboard/due.csv?within=7"
    page.screenshot(path=str(ARTIFACTS / "due-this-week.png"), full_page=True)


def test_the_member_page_says_what_is_needed_and_which_reminders_were_sent(page: Any, site: str,
                                                                           server: Server) -> None:
    member = reminded(server)
    sign_in(page, site, "auditor")
    page.goto(f"{site}/dashboard/members/{member}")
    assert page.locator("#needed h2").text_content() == "What is needed"
    assert page.locator("#needed [data-needed]").is_visible()
    message = page.locator("#reminders pre.message-text").first
    assert message.is_hidden()  # behind its subject until opened
    page.locator("#reminders details.message summary").first.click()
    assert message.is_visible()
    assert message.text_content().startswith("Dear ")
    page.screenshot(path=str(ARTIFACTS / "member-needed-reminders.png"), full_page=True)


def test_the_what_if_form_answers_and_records_nothing(page: Any, site: str, server: Server) -> None:
    member = reminded(server)
    _, _, before = server.request("GET", f"/members/{member}/history", token=STAFF)
    sign_in(page, site, "staff")
    page.goto(f"{site}/dashboard/members/{member}")
    page.select_option("#try-category", "college_course")
    page.fill("#try-title", "Exercise science")
    page.select_option("#try-evidence", "transcript")
    page.fill("#try-credit-hours", "3")
    page.fill("#try-grade", "B")
    page.click("#what-if button[type=submit]")
    page.wait_for_url(f"**/dashboard/members/{member}/what-if?**")
    outcome = page.locator("#answer li[data-outcome]")
    assert outcome.count() == 1
    assert outcome.get_attribute("data-outcome") in ("accepted", "refused")
    assert page.locator("#answer [data-side=recorded]").is_visible()
    assert page.locator("#answer [data-side=tried]").is_visible()
    assert "Nothing was recorded." in page.locator("#answer").text_content()
    assert page.locator("#try-credit-hours").input_value() == "3"  # the question stays, to try another
    page.screenshot(path=str(ARTIFACTS / "member-what-if.png"), full_page=True)
    _, _, after = server.request("GET", f"/members/{member}/history", token=STAFF)
    assert after == before


def test_the_statement_prints_as_a_document_without_the_nav(page: Any, site: str, server: Server) -> None:
    member = reminded(server)
    sign_in(page, site, "reporter")
    page.goto(f"{site}/dashboard/members/{member}")
    page.click("a[data-statement-link]")
    page.wait_for_url(f"**/dashboard/members/{member}/statement")
    for table in ("cycles", "reminders"):
        assert page.locator(f"article.statement table[data-table={table}]").is_visible()
    assert page.locator("article.statement [data-reason]").text_content().strip()
    page.screenshot(path=str(ARTIFACTS / "statement.png"), full_page=True)
    page.emulate_media(media="print")
    assert page.locator(".site-header").is_hidden()
    assert page.locator(".statement-tools").is_hidden()
    assert page.locator("article.statement").is_visible()
    page.screenshot(path=str(ARTIFACTS / "statement-print.png"), full_page=True)
    page.pdf(path=str(ARTIFACTS / "statement.pdf"), format="A4")
    assert (ARTIFACTS / "statement.pdf").stat().st_size > 1000
