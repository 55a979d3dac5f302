"""The staff pages in a real browser: headless Chromium (Debian's /usr/bin/chromium, driven
by Playwright) against a real `credentials serve` (granian), used as a person would: sign in
through the form, read the charts, find a member, ask about a date, withdraw a fact recorded in
error and see the story change, adopt a policy version, sign out.

Screenshots are left in test-artifacts/ for a person to look at. Without Chromium (or
Playwright) these tests are skipped locally but fail under CI=true, like PostgreSQL's.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from api_support import TOKENS
from browser_support import ARTIFACTS, chromium, demo_site


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with demo_site(tmp_path_factory.mktemp("browser")) as server:
        yield server.base


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as launched:
        yield launched


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    opened = context.new_page()
    opened.set_default_timeout(15_000)
    yield opened
    context.close()


def sign_in(page: Any, site: str, role: str) -> None:
    page.goto(f"{site}/dashboard")
    assert "/dashboard/login" in page.url  # sent to the form first
    page.fill("#token", TOKENS[role])
    page.click("main button[type=submit]")
    page.wait_for_load_state()


def test_a_person_signs_in_reads_the_charts_finds_a_member_and_signs_out(page: Any, site: str) -> None:
    sign_in(page, site, "staff")
    assert page.url == f"{site}/dashboard"
    assert page.locator("svg[data-chart=status-counts] g.bar").count() == 4
    assert page.locator("svg[data-chart=status-counts] rect.bar-part").count() >= 1
    assert page.locator("svg[data-chart=renewals-due] g.bar").count() == 12
    assert page.locator("svg[data-chart=audits] g.bar").count() == 6
    assert page.locator("table[data-table]").count() == 4
    assert page.locator("svg[data-chart=status-counts] title").first.text_content().startswith("Members by status")
    page.screenshot(path=str(ARTIFACTS / "dashboard.png"), full_page=True)

    page.fill("#member-search", "cleo")
    page.click("form.search button")
    page.click("a:text('demo-lapsing')")
    page.wait_for_url("**/dashboard/members/demo-lapsing")
    assert page.locator("[data-reason]").text_content().strip()
    periods = page.locator("svg[data-chart=status-history] g.period")
    assert periods.count() >= 2
    assert periods.first.get_attribute("data-status") == "active"
    page.screenshot(path=str(ARTIFACTS / "member.png"), full_page=True)

    # As of the day after the first certification: active, whatever happened later.
    first_day = periods.first.get_attribute("data-from")
    page.fill("input[name=on]", first_day)
    page.click("form.asof-form button")
    page.wait_for_url(f"**on={first_day}**")
    assert page.locator("[data-reason]").text_content().strip().startswith(f"active since {first_day}")

    page.click("text=Sign out")
    page.wait_for_url("**/dashboard/login")
    page.goto(f"{site}/dashboard")
    assert "/dashboard/login" in page.url


def test_the_dashboard_prints_without_its_controls(page: Any, site: str) -> None:
    sign_in(page, site, "reporter")
    page.emulate_media(media="print")
    assert page.locator(".site-header").is_hidden()
    assert page.locator(".period-form").is_hidden()
    assert page.locator("svg[data-chart=renewals-due]").is_visible()
    page.screenshot(path=str(ARTIFACTS / "dashboard-print.png"), full_page=True)


def test_staff_withdraw_a_fact_through_the_form_and_see_it_struck_through(page: Any, site: str) -> None:
    sign_in(page, site, "staff")
    page.goto(f"{site}/dashboard/members/demo-due")
    bands_before = page.locator("svg[data-chart=story] g.moment").count()
    claim = page.locator("#withdraw-fact option", has_text="Activity claimed").first
    fact_id = claim.get_attribute("value")
    page.select_option("#withdraw-fact", fact_id)
    page.fill("#withdraw-reason", "claimed twice")
    page.click("#correct button[type=submit]")
    page.wait_for_url("**/dashboard/members/demo-due#history")
    assert page.locator("[data-notice]").text_content().startswith(f"Fact {fact_id} withdrawn.")
    row = page.locator(f"tr[data-fact-id='{fact_id}']")
    assert "voided" in row.get_attribute("class").split()
    struck = row.locator("del").first
    assert "line-through" in struck.evaluate("element => getComputedStyle(element).textDecorationLine")
    assert row.locator("[data-voided-note]").text_content().strip().endswith(": claimed twice")
    # The withdrawal is a recorded moment of its own: one band more in the picture, told in the table too.
    assert page.locator("svg[data-chart=story] g.moment").count() == bands_before + 1
    assert page.locator("table[data-table=story] tr[data-moment]").count() == bands_before + 1
    assert page.locator("svg[data-chart=story]").is_visible()
    assert page.locator(f"#withdraw-fact option[value='{fact_id}']").count() == 0  # withdrawn: no longer offered
    page.screenshot(path=str(ARTIFACTS / "member-corrected.png"), full_page=True)


def test_the_policy_page_renders_with_a_version_adopted_through_its_form(page: Any, site: str) -> None:
    sign_in(page, site, "staff")
    page.click("nav >> text=Policy")
    page.wait_for_url("**/dashboard/policy")
    page.fill("#adopt-version", "browser-2031")
    page.fill("#adopt-from", "2031-01-01")
    page.fill("#adopt-values", '{"late_fee": "31.00"}')
    page.click("#adopt button[type=submit]")
    page.wait_for_url("**/dashboard/policy")
    notice = page.locator("[data-notice]").text_content()
    assert notice == "Policy version browser-2031 adopted, in force from 2031-01-01."
    assert page.locator("th[data-version=browser-2031]").is_visible()
    changed = page.locator("tr[data-path=late_fee] td[data-version=browser-2031]")
    assert changed.get_attribute("data-value") == "31.00"
    assert changed.get_attribute("data-changed") is not None
    assert changed.locator("mark").is_visible()
    page.screenshot(path=str(ARTIFACTS / "policy.png"), full_page=True)


def test_staff_try_a_register_in_a_dry_run_from_the_imports_page(page: Any, site: str) -> None:
    sign_in(page, site, "staff")
    page.click("nav >> text=Imports")
    page.wait_for_url("**/dashboard/imports")
    assert page.locator("#import-dry-run").is_checked()
    register = ("row_id,member_id,fact,date,certification,category,title,credit_hours,grade,evidence\r\n"
                "b1,browser-new,certification,2024-03-01,CPT,,,,,\r\n"
                "b2,demo-due,activity,2024-05-01,,college_course,Physiology,2,D,transcript\r\n")
    page.set_input_files("#import-file", files=[{"name": "register.csv", "mimeType": "text/csv",
                                                 "buffer": register.encode()}])
    page.click("#upload button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("[data-report=dry-run] [data-tile=recorded] .tile-number").text_content() == "1"
    refused = page.locator("table[data-table=refused] tr[data-row-id=b2]")
    assert refused.get_attribute("data-code") == "grade_below_c"
    assert refused.locator("a[href='/dashboard/members/demo-due']").is_visible()
    assert not page.locator("#import-dry-run").is_checked()  # the next send imports
    page.screenshot(path=str(ARTIFACTS / "imports.png"), full_page=True)
