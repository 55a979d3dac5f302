"""Every staff page on every screen, in a real browser: each page a template renders (sign-in,
overview, members, a member, due, policy, imports and its report, what-if, statement,
amendment, a refused correction and policy version, an error) is opened at a desktop's width
(1280 px) and a phone's (390 px), checked by axe-core for WCAG 2.2 AA (contrast, names,
landmarks...) and, on the phone, for sideways scrolling of the
page itself (a wide table may scroll inside its own box; the page may not).

axe-core is vendored for the tests only (tests/support/vendor, see its README) and injected into
each page by the browser driver: the app never serves it, so the pages' Content-Security-Policy
stays as strict as ever. One server, one browser, one visit per page and width, shared by the
tests below (each asserts one thing about the same visits); screenshots of every visit are left
in test-artifacts/screens/.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import test_dashboard_browser as browsing
from api_support import TOKENS
from browser_support import demo_site
from server_support import Server

AXE = Path(__file__).resolve().parents[1] / "support" / "vendor" / "axe.min.js"
AXE_SOURCE = AXE.read_text(encoding="utf-8")
SCREENS = browsing.ARTIFACTS / "screens"
WIDTHS = {"desktop": 1280, "phone": 390}
# The rules of WCAG 2.0-2.2 A and AA, and axe's best practices (landmarks, a main, headings...).
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
REGISTER = ("row_id,member_id,fact,date,certification,category,title,credit_hours,grade,evidence\r\n"
            "s1,screen-new,certification,2024-03-01,CPT,,,,,\r\n"
            "s2,demo-due,activity,2024-05-01,,college_course,Physiology,2,D,transcript\r\n")
browser = browsing.browser


@dataclass(frozen=True)
class Visit:
    name: str  # the page, as the screenshots are named
    width: str  # a key of WIDTHS
    violations: list[dict[str, Any]]
    scroll_width: int
    inner_width: int
    blocked: list[str]  # what the page's Content-Security-Policy refused (an inline style...)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with demo_site(tmp_path_factory.mktemp("browser-screens")) as started:
        yield started


def _refusal_shown(page: Any, url: str, form: str, fields: dict[str, str]) -> None:
    """Fills the form `form` of the page at `url` with `fields` and sends it; waits for its refusal."""
    page.goto(url)
    for selector, value in fields.items():
        page.fill(selector, value)
    page.click(f"{form} button[type=submit]")
    page.wait_for_selector(f"{form} [data-refusal]")


def _check(page: Any, name: str, width: str, console: list[str]) -> Visit:
    page.wait_for_load_state()
    # Evaluated by the driver rather than added as a <script> (add_script_tag): the page's own
    # Content-Security-Policy forbids any script, and stays on, so a blocked style is seen too.
    page.evaluate(AXE_SOURCE)
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, "
                           "resultTypes: ['violations']})", AXE_TAGS)
    violations = [{"id": v["id"], "impact": v["impact"], "help": v["help"],
                   "targets": [node["target"] for node in v["nodes"]][:5],
                   "summary": v["nodes"][0].get("failureSummary", "") if v["nodes"] else ""}
                  for v in result["violations"]]
    scroll_width, inner_width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    page.screenshot(path=str(SCREENS / f"{name}-{width}.png"), full_page=True)
    blocked = [text for text in console if "Content Security Policy" in text]
    console.clear()
    return Visit(name, width, violations, scroll_width, inner_width, blocked)


def _tour(page: Any, site: str, width: str) -> list[Visit]:
    """Signs in as staff (who sees every page) and visits each, checking it."""
    visits = []
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    page.goto(f"{site}/dashboard/login")
    visits.append(_check(page, "login", width, console))
    page.fill("#token", TOKENS["staff"])
    page.click("main button[type=submit]")
    page.wait_for_url(f"{site}/dashboard")
    visits.append(_check(page, "overview", width, console))
    for name, path in [("members", "/dashboard/members"), ("members-listed", "/dashboard/members?status=active"),
                       ("member", "/dashboard/members/demo-lapsing"), ("member-due", "/dashboard/members/demo-due"),
                       ("due", "/dashboard/due"), ("policy", "/dashboard/policy"), ("imports", "/dashboard/imports"),
                       ("statement", "/dashboard/members/demo-due/statement"),
                       ("what-if", "/dashboard/members/demo-due/what-if?category=college_course&title=Anatomy"
                                   "&completed_on=2024-05-01&evidence=transcript&credit_hours=3&grade=B"),
                       ("not-found", "/dashboard/members/nobody-at-all")]:
        page.goto(site + path)
        visits.append(_check(page, name, width, console))
    page.goto(f"{site}/dashboard/members/demo-due")
    page.click("a[data-amend]")
    page.wait_for_url("**/amendment**")
    visits.append(_check(page, "amend", width, console))
    # The forms' refusals, shown beside them (nothing is recorded): a withdrawal decided in the future...
    _refusal_shown(page, f"{site}/dashboard/members/demo-due", "#correct",
                   {"#withdraw-reason": "checking the refusal", "#withdraw-decided": "2999-01-01"})
    visits.append(_check(page, "member-refused", width, console))
    # ... and a policy version that changes a value into nonsense.
    _refusal_shown(page, f"{site}/dashboard/policy", "#adopt",
                   {"#adopt-version": "screens-refused", "#adopt-from": "2031-01-01",
                    "#adopt-values": '{"late_fee": "a lot"}'})
    visits.append(_check(page, "policy-refused", width, console))
    page.goto(f"{site}/dashboard/imports")
    page.set_input_files("#import-file", files=[{"name": "register.csv", "mimeType": "text/csv",
                                                 "buffer": REGISTER.encode()}])
    page.click("#upload button[type=submit]")
    page.wait_for_selector("[data-report]")
    visits.append(_check(page, "imports-report", width, console))
    return visits


@pytest.fixture(scope="module")
def visits(browser: Any, server: Server) -> list[Visit]:
    SCREENS.mkdir(parents=True, exist_ok=True)
    made = []
    for width, pixels in WIDTHS.items():
        context = browser.new_context(viewport={"width": pixels, "height": 900})
        opened = context.new_page()
        opened.set_default_timeout(15_000)
        try:
            made += _tour(opened, server.base, width)
        finally:
            context.close()
    return made


def test_every_page_passes_axe_at_a_desktop_and_a_phone_width(visits: list[Visit]) -> None:
    """WCAG 2.2 AA is checked by a tool on every page, so a colour or a missing label cannot
    come back unnoticed; the report names each page, width, rule and element."""
    failing = [(v.name, v.width, problem) for v in visits for problem in v.violations]
    assert not failing, "\n".join(f"{name} @ {width}: {p['id']} ({p['impact']}): {p['help']} {p['targets']} "
                                  f"{p['summary']}" for name, width, p in failing)


def test_no_page_scrolls_sideways_at_a_phone_width(visits: list[Visit]) -> None:
    """Staff read the pages on a phone too: only a wide table's own box may scroll sideways."""
    wide = [(v.name, v.scroll_width, v.inner_width) for v in visits if v.width == "phone"
            and v.scroll_width > v.inner_width]
    assert not wide, wide


def test_every_page_was_visited_at_both_widths(visits: list[Visit]) -> None:
    """The two checks above cover every page at both widths, or they would pass by not looking."""
    assert {(v.name, v.width) for v in visits} == {(v.name, w) for v in visits for w in WIDTHS}
    assert len(visits) == 2 * 16


def test_no_page_needs_anything_its_content_security_policy_refuses(visits: list[Visit]) -> None:
    """The pages run under a policy allowing no inline style or script: one that needed it would
    silently lose it in the browser, so a refusal is a failure here."""
    assert not [(v.name, v.width, v.blocked) for v in visits if v.blocked]


def test_the_first_tab_reaches_the_skip_link_and_it_moves_focus_to_the_content(browser: Any, server: Server) -> None:
    """A keyboard user skips the header in one step; the link is hidden until focused, then seen."""
    context = browser.new_context(viewport={"width": 390, "height": 900},
                                  extra_http_headers={"Authorization": f"Bearer {TOKENS['staff']}"})
    try:
        page = context.new_page()
        page.goto(f"{server.base}/dashboard/members/demo-due")
        page.keyboard.press("Tab")
        focused = page.evaluate("[document.activeElement.className, document.activeElement.textContent]")
        assert focused == ["skip-link", "Skip to content"]
        assert page.locator(".skip-link").bounding_box()["y"] >= 0  # moved into view when focused
        outline = page.locator(".skip-link").evaluate("link => getComputedStyle(link).outlineStyle")
        assert outline == "solid"  # :focus-visible draws its own ring
        page.keyboard.press("Enter")
        assert page.evaluate("document.activeElement.id") == "content"
    finally:
        context.close()


def test_the_nav_shows_the_current_page_to_the_eye_too(browser: Any, server: Server) -> None:
    """aria-current is for screen readers; the current link is also drawn differently from the rest."""
    context = browser.new_context(extra_http_headers={"Authorization": f"Bearer {TOKENS['staff']}"})
    try:
        page = context.new_page()
        page.goto(f"{server.base}/dashboard/due")
        style = "link => [getComputedStyle(link).borderBottomColor, getComputedStyle(link).fontWeight]"
        current = page.locator("nav[aria-label=Main] a[aria-current=page]")
        assert current.text_content() == "Due"
        other = page.locator("nav[aria-label=Main] a", has_text="Policy")
        assert current.evaluate(style) != other.evaluate(style)
    finally:
        context.close()
