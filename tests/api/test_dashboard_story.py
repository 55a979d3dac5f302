"""The member page tells how the story changed (rules.md sections 8 and 10): a withdrawn or
superseded fact struck through with who voided it, when and why; the revisions each recorded
fact or policy version made to earlier answers, span by span; and the bitemporal picture: one
band per recorded moment, oldest at the top, coloured by the status over business dates as
known right after that moment."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from itertools import groupby

import pytest
from api_support import TOKEN_CONFIG, Api
from dashboard_support import Element, Page, read, sign_in
from flask.testing import FlaskClient

from application.service import CredentialService, HistoryEntry
from application.settings import Settings
from domain.rules import ActivityClaim
from domain.timeline import timeline
from web import create_app
from web.dashboard.charts import Period
from web.dashboard.picture import StoryBand, story_picture
from web.dashboard.wording import moment

MEMBER = "m-renewed"
PAGE = f"/dashboard/members/{MEMBER}"
PICTURE_END = date(2027, 5, 30)  # the test clock's today, 2026-11-28, and about half a year


@pytest.fixture
def client(service: CredentialService) -> FlaskClient:
    client = create_app(Settings(tokens=TOKEN_CONFIG), service).test_client()
    Api(client).renewed_member(MEMBER, "2025-06-01")  # CPT 2022-03-01, cycle to 2025-12-31, renewed
    sign_in(client, "reporter")
    return client


def entry_of(service: CredentialService, type_name: str) -> HistoryEntry:
    return next(e for e in service.history(MEMBER) if e.type == type_name)


def withdraw_the_renewal(service: CredentialService) -> HistoryEntry:
    service.withdraw(MEMBER, entry_of(service, "RenewalSubmitted").fact_id, "entered on the wrong member")
    return service.history(MEMBER)[-1]


def bands(view: Page) -> dict[str, list[Element]]:
    """Each band of the picture (by data-moment) with the elements drawn inside it."""
    found: dict[str, list[Element]] = {}
    current: list[Element] | None = None
    for element in view.elements:
        if element.tag == "g" and "moment" in element.attrs.get("class", "").split():
            current = found.setdefault(element.attrs["data-moment"], [])
        elif element.tag == "svg" or (element.tag == "g" and "today-line" in element.attrs.get("class", "")):
            current = None
        elif current is not None:
            current.append(element)
    return found


def statuses(band: list[Element]) -> list[tuple[str, str]]:
    return [(e.attrs["data-status"], e.attrs["data-from"]) for e in band if e.tag == "g" and "data-status" in e.attrs]


def test_a_withdrawn_fact_is_struck_through_with_its_withdrawal_recorded_time_and_reason(
        service: CredentialService, client: FlaskClient) -> None:
    """rules.md section 8: the history keeps both facts and marks the withdrawn one."""
    renewal = entry_of(service, "RenewalSubmitted")
    withdrawal = withdraw_the_renewal(service)
    view = read(client, PAGE)
    row = view.one("tr", data_fact_id=renewal.fact_id)
    assert "voided" in row.attrs["class"].split()
    assert row.attrs["data-withdrawn-by"] == withdrawal.fact_id
    assert any(d.text.startswith("fee $45.00") for d in view.find("del"))
    note = view.one("p", "voided-note").text
    assert note == (f"withdrawn by fact {withdrawal.fact_id}, recorded {moment(withdrawal.fact.timestamp)}: "
                    "entered on the wrong member")
    assert note.startswith(f"withdrawn by fact {withdrawal.fact_id}, recorded 2026-11-28 ")
    told = view.one("tr", data_fact_id=withdrawal.fact_id).text
    assert "Withdrawal" in told
    assert f"withdraws fact {renewal.fact_id} (Renewal submitted: fee $45.00" in told


def test_an_amended_claim_is_struck_through_as_superseded_by_its_amendment(
        service: CredentialService, client: FlaskClient) -> None:
    """rules.md section 8: an amendment replaces the claim's content and keeps its activity id."""
    claim = entry_of(service, "ActivityClaimed")
    sign_in(client, "staff")
    service.amend_activity(MEMBER, claim.fact.activity_id, _claim(hours=3), "typed 15 hours for 3")
    amendment = service.history(MEMBER)[-1]
    view = read(client, PAGE)
    assert view.one("tr", data_fact_id=claim.fact_id).attrs["data-withdrawn-by"] == amendment.fact_id
    assert view.one("p", "voided-note").text.startswith(
        f"superseded by the amendment fact {amendment.fact_id}, recorded 2026-11-28 ")
    assert view.one("p", "voided-note").text.endswith(": typed 15 hours for 3")
    assert "now ACSM workshop: “Workshop 2023-02-01”, completed 2023-02-01, 3 CECs" in view.one(
        "tr", data_fact_id=amendment.fact_id).text
    # Only the content that stands can be amended again.
    assert len(view.find("a", data_amend=amendment.fact_id)) == 1
    assert view.find("a", data_amend=claim.fact_id) == []


def _claim(hours: int) -> ActivityClaim:
    return ActivityClaim("acsm_workshop", "Workshop 2023-02-01", date(2023, 2, 1), hours=Decimal(hours))


def test_the_revisions_list_each_cause_and_every_span_it_changed(
        service: CredentialService, client: FlaskClient) -> None:
    """rules.md section 10: withdrawing the renewal leaves its cycle unrenewed on every earlier date."""
    withdrawal = withdraw_the_renewal(service)
    view = read(client, PAGE)
    listed = view.find("li", data_revision=withdrawal.fact_id)
    assert len(listed) == 1
    assert listed[0].attrs["data-cause"] == "FactWithdrawn"
    assert [li.text for li in view.find("li", data_change=withdrawal.fact_id)] == [
        "2026-01-01 to 2026-06-30: active (CPT) → inactive (CPT)",
        "2026-07-01 to 2026-11-27: active (CPT) → invalid",
    ]
    assert "Withdrawal, fact " + withdrawal.fact_id + ": business date 2026-11-28, recorded 2026-11-28 " in (
        listed[0].text)
    expected = service.revisions(MEMBER)
    assert [li.attrs["data-revision"] for li in view.find("li") if "data-revision" in li.attrs] == [
        r.cause.fact_id for r in expected]
    assert len([li for li in view.find("li") if "data-change" in li.attrs]) == sum(len(r.changes) for r in expected)


def test_a_policy_version_taking_effect_in_the_past_is_a_revision_of_its_own(
        service: CredentialService, client: FlaskClient) -> None:
    """rules.md sections 9 and 10: a retroactive version changes earlier answers from its adoption on."""
    withdraw_the_renewal(service)
    service.adopt_policy_version("v2013", date(2013, 1, 1), {"grace_months": 3})
    view = read(client, PAGE)
    revision = view.one("li", data_cause="PolicyVersionAdopted")
    assert revision.text.strip().startswith("Policy version adopted: v2013, effective from 2013-01-01, recorded ")
    assert "2026-04-01 to 2026-06-30: inactive (CPT) → invalid" in revision.text


def test_the_picture_has_one_band_per_recorded_moment_each_as_known_right_after_it(
        service: CredentialService, client: FlaskClient) -> None:
    """rules.md section 6: "as known at T" folds only the facts recorded by T."""
    withdraw_the_renewal(service)
    view = read(client, PAGE)
    drawn = bands(view)
    history = service.credential(MEMBER).history
    recorded = [t for t, _ in groupby(history, key=lambda f: f.timestamp)]
    assert list(drawn) == [str(n) for n in range(1, len(recorded) + 1)] == [str(n) for n in range(1, 7)]
    days = [g.attrs["data-recorded-on"] for g in view.find("g", "moment")]
    assert days == sorted(days)
    for (key, band), at in zip(drawn.items(), recorded):
        known = [f for f in history if f.timestamp <= at]
        reference = [(p.status.value, str(p.valid_from)) for p in timeline(known, service.book(at)).periods
                     if (p.valid_to is None or p.valid_to > date(2022, 1, 1)) and p.valid_from < PICTURE_END]
        assert [status for status, _ in statuses(band)] == [status for status, _ in reference], key
        assert [day for _, day in statuses(band)][1:] == [day for _, day in reference][1:], key
    lapsed, renewed = ["not_certified", "active", "inactive", "invalid"], ["not_certified", "active"]
    assert [[s for s, _ in statuses(band)] for band in drawn.values()] == [lapsed] * 4 + [renewed, lapsed]


def test_the_picture_outlines_what_each_moment_changed(service: CredentialService, client: FlaskClient) -> None:
    withdraw_the_renewal(service)
    drawn = bands(read(client, PAGE))
    outlined = {key: len([e for e in band if e.tag == "rect" and "changed" in e.attrs["class"].split()])
                for key, band in drawn.items()}
    # Certified: everything from the first day changed; the workshops change no status (the cycle is
    # still short); the renewal and its withdrawal each change the days from the cycle's end.
    assert outlined["1"] >= 1
    assert outlined["2"] == outlined["3"] == outlined["4"] == 0
    assert outlined["5"] >= 1
    assert outlined["6"] >= 1


def test_a_policy_version_gets_a_band_only_when_it_changed_the_member(
        service: CredentialService, client: FlaskClient) -> None:
    """rules.md section 9: a version governs the facts of its dates; one that changes no
    answer of this member's tells nothing new about them."""
    withdraw_the_renewal(service)
    service.adopt_policy_version("v2027", date(2027, 1, 1), {"late_fee": "30.00"})
    assert len(bands(read(client, PAGE))) == 6
    service.adopt_policy_version("v2013", date(2013, 1, 1), {"grace_months": 3})
    view = read(client, PAGE)
    assert len(bands(view)) == 7
    last = view.find("g", "moment")[-1]
    assert "Policy version adopted: v2013" in last.text
    assert [s for s, _ in statuses(bands(view)["7"])] == ["not_certified", "active", "inactive", "invalid"]
    assert statuses(bands(view)["7"])[-1][1] == "2026-04-01"  # invalid after a grace of 3 months


def test_the_picture_is_described_for_screen_readers_and_told_in_a_table(
        service: CredentialService, client: FlaskClient) -> None:
    withdraw_the_renewal(service)
    view = read(client, PAGE)
    svg = view.one("svg", data_chart="story")
    assert svg.attrs["role"] == "img"
    title_id, desc_id = svg.attrs["aria-labelledby"].split()
    title = view.one("title", id=title_id).text
    assert title == "The status over business dates as known at each of 6 recorded moments"
    assert "One band per recorded moment, oldest at the top" in view.one("desc", id=desc_id).text
    rows = [r for r in view.find("tr") if "data-moment" in r.attrs]
    assert len(rows) == 6
    assert "fact 7 · Withdrawal" in rows[-1].text
    assert "2026-01-01 to 2026-06-30: active (CPT) → inactive (CPT)" in rows[-1].text
    assert "active (CPT) from 2022-03-01 to 2025-12-31" in rows[-1].text


def test_the_moments_recorded_after_the_time_asked_about_are_greyed(
        service: CredentialService, client: FlaskClient) -> None:
    renewal = entry_of(service, "RenewalSubmitted")
    withdraw_the_renewal(service)
    asked = renewal.fact.timestamp.isoformat().replace("+", "%2B")
    view = read(client, f"{PAGE}?known_at={asked}")
    greyed = [g.attrs["data-moment"] for g in view.find("g", "moment") if "later-moment" in g.attrs["class"].split()]
    assert greyed == ["6"]  # the withdrawal, recorded after the renewal
    assert len(view.find("tr", "later-moment")) == 1


def test_the_picture_stacks_the_bands_and_outlines_whole_days() -> None:
    periods = (Period("active", "Active", "tone-active", date(2020, 1, 1), date(2022, 1, 1), "active"),
               Period("inactive", "Inactive", "tone-inactive", date(2022, 1, 1), None, "inactive"))
    first = StoryBand("1", "t1", "fact 2", "", periods[:1], ((date(2020, 1, 1), date(2021, 12, 31)),),
                      date(2020, 1, 1))
    second = StoryBand("2", "t2", "fact 3", "", periods, ((date(2022, 1, 1), date(2022, 1, 1)),), date(2022, 1, 1))
    picture = story_picture("s", "t", "d", [first, second], date(2020, 1, 1), date(2024, 1, 1), date(2023, 1, 1))
    top, below = picture.bands
    assert top.box.y < below.box.y
    assert top.box.x == below.box.x == picture.plot.x
    per_day = picture.plot.width / (date(2024, 1, 1) - date(2020, 1, 1)).days
    assert top.changed[0].width == pytest.approx(731 * per_day)  # 2020-01-01 through 2021-12-31
    assert below.changed[0].width == pytest.approx(2.0)  # one day is drawn at least 2 units wide
    assert below.foreseen is not None
    assert below.foreseen.x == pytest.approx(picture.plot.x + (731 + 1) * per_day)
    assert below.periods[-1].box.x + below.periods[-1].box.width == pytest.approx(picture.plot.x + picture.plot.width)
    assert [t.label for t in picture.ticks] == ["2021", "2022", "2023", "2024"]
