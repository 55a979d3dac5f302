"""rules.md section 8, amending an activity claim, through the application service on the
in-memory store: the new content judged as a claim as of its new completion date against every
known fact but the claim itself, each refusal recording nothing, and withdrawals of amended claims."""

from __future__ import annotations

from rules_support import D, claim, refused, stored_facts, workshop

from application.service import CredentialService
from domain.events import ActivityAmended, ActivityClaimed
from domain.states import Status

REASON = "30 hours typed for 3"


def certified_with_workshop(service: CredentialService, hours: int = 30, on: str = "2020-02-03") -> str:
    """CPT certified 2019-05-10 with one workshop; returns its activity id."""
    service.certify("m-1", "CPT", D("2019-05-10"))
    activity_id = service.claim_activity("m-1", workshop(on, hours=hours)).activity_id
    assert activity_id is not None
    return activity_id


def claims_of(service: CredentialService, activity_id: str) -> list[ActivityClaimed]:
    return [f for f in stored_facts(service, "m-1") if isinstance(f, ActivityClaimed) and f.activity_id == activity_id]


def counted(service: CredentialService, on: str) -> object:
    cycle = service.status("m-1", D(on)).cycle
    assert cycle is not None
    return cycle.counted_cecs


def test_an_amended_claim_counts_its_new_content_and_keeps_its_activity_id(service: CredentialService) -> None:
    """rules.md section 8: an amendment replaces the claim's content and keeps its activity id; as known
    from the amendment, it is as if the claim had always had the new content."""
    activity_id = certified_with_workshop(service)
    outcome = service.amend_activity("m-1", activity_id, workshop("2020-02-03", hours=3), REASON)
    assert (outcome.activity_id, outcome.cecs_awarded) == (activity_id, 3)
    amendment = stored_facts(service, "m-1")[-1]
    assert isinstance(amendment, ActivityAmended)
    assert (amendment.reason, amendment.decided_on, amendment.effective_on) == (REASON, D("2026-11-28"),
                                                                                D("2020-02-03"))
    assert counted(service, "2020-02-03") == counted(service, "2022-12-31") == 3


def test_an_amended_completion_date_places_the_activity_as_of_its_new_date(service: CredentialService) -> None:
    """rules.md section 8: the amended claim is judged as of its (new) completion date."""
    activity_id = certified_with_workshop(service)
    service.amend_activity("m-1", activity_id, workshop("2023-02-03", hours=30), "the year was wrong")
    assert counted(service, "2022-12-31") == 0
    assert counted(service, "2023-02-03") == 30
    assert service.status("m-1", D("2023-01-01")).status is Status.INACTIVE


def test_an_amended_teaching_claim_keeps_its_own_course_without_being_a_repeated_course(
        service: CredentialService) -> None:
    """rules.md section 8: the amended claim is judged against every known fact but itself (section 3: the same
    course counts once per cycle)."""
    service.certify("m-1", "CPT", D("2019-05-10"))
    taught = service.claim_activity("m-1", claim("teaching", "2020-03-01", hours=4, course_id="K101")).activity_id
    assert taught is not None
    outcome = service.amend_activity("m-1", taught, claim("teaching", "2020-03-01", hours=6, course_id="K101"),
                                     "six hours, not four")
    assert outcome.cecs_awarded == 6
    assert counted(service, "2020-03-01") == 6


def test_an_amendment_to_a_course_another_claim_names_in_the_cycle_is_refused_repeated_course(
        service: CredentialService) -> None:
    """rules.md section 8: an amendment is refused with any code a claim can be refused with (section 3)."""
    service.certify("m-1", "CPT", D("2019-05-10"))
    service.claim_activity("m-1", claim("teaching", "2020-03-01", hours=4, course_id="K101"))
    other = service.claim_activity("m-1", claim("teaching", "2021-03-01", hours=4, course_id="K102")).activity_id
    assert other is not None
    refused(service, "m-1", "repeated_course", lambda: service.amend_activity(
        "m-1", other, claim("teaching", "2021-03-01", hours=4, course_id="K101"), "the wrong course"))


def test_an_amendment_into_a_category_never_accepted_is_refused_not_accepted_category(
        service: CredentialService) -> None:
    """rules.md section 8: a refused amendment changes nothing (section 3: CPR earns no CECs)."""
    activity_id = certified_with_workshop(service)
    error = refused(service, "m-1", "not_accepted_category",
                    lambda: service.amend_activity("m-1", activity_id, claim("cpr", "2020-02-03"), "it was CPR"))
    assert error.details == {"category": "cpr"}
    assert counted(service, "2020-02-03") == 30
    assert service.credential("m-1").activity(activity_id) == claims_of(service, activity_id)[0]


def test_an_amendment_to_a_day_before_certification_is_refused_before_certification(
        service: CredentialService) -> None:
    """rules.md section 8 with section 2: CECs earned before the first certification date do not count."""
    activity_id = certified_with_workshop(service)
    refused(service, "m-1", "before_certification",
            lambda: service.amend_activity("m-1", activity_id, workshop("2019-05-09", hours=30), "the exam workshop"))


def test_an_amendment_completed_after_the_day_it_is_recorded_is_refused_future_date(
        service: CredentialService) -> None:
    """rules.md section 3: an activity must be completed on or before the day it is claimed."""
    activity_id = certified_with_workshop(service)
    refused(service, "m-1", "future_date",
            lambda: service.amend_activity("m-1", activity_id, workshop("2026-11-29", hours=30), REASON))


def test_an_amendment_without_a_reason_is_refused_missing_field(service: CredentialService) -> None:
    """rules.md section 8: each correction gives a reason."""
    activity_id = certified_with_workshop(service)
    error = refused(service, "m-1", "missing_field",
                    lambda: service.amend_activity("m-1", activity_id, workshop("2020-02-03", hours=3), " "))
    assert error.details == {"field": "reason"}


def test_an_amendment_of_an_activity_the_member_never_claimed_is_refused_activity_not_found(
        service: CredentialService) -> None:
    """http-api.md 1.1: 404 unknown activity."""
    certified_with_workshop(service)
    error = refused(service, "m-1", "activity_not_found",
                    lambda: service.amend_activity("m-1", "nope", workshop("2020-02-03", hours=3), REASON))
    assert error.details == {"activity_id": "nope"}


def test_an_amendment_of_a_withdrawn_activity_is_refused_already_withdrawn(service: CredentialService) -> None:
    """rules.md section 8: a withdrawn fact is void; record the fact again instead."""
    activity_id = certified_with_workshop(service)
    service.withdraw("m-1", claims_of(service, activity_id)[0].fact_id, "entered on the wrong member")
    withdrawn_by = stored_facts(service, "m-1")[-1].fact_id
    error = refused(service, "m-1", "already_withdrawn",
                    lambda: service.amend_activity("m-1", activity_id, workshop("2020-02-03", hours=3), REASON))
    assert error.details == {"activity_id": activity_id, "withdrawn_by": withdrawn_by}


def test_the_claim_an_amendment_replaced_is_marked_withdrawn_by_the_amendment(service: CredentialService) -> None:
    """rules.md section 8: the history keeps both and marks the replaced claim (http-api.md 1.1: `withdrawn_by`)."""
    activity_id = certified_with_workshop(service)
    service.amend_activity("m-1", activity_id, workshop("2020-02-03", hours=3), REASON)
    service.amend_activity("m-1", activity_id, workshop("2020-02-03", hours=4), "four after all")
    first, second, third = claims_of(service, activity_id)
    marked = {e.fact_id: e.withdrawn_by for e in service.history("m-1")}
    assert (marked[first.fact_id], marked[second.fact_id], marked[third.fact_id]) == (
        second.fact_id, third.fact_id, None)


def test_withdrawing_an_amendment_gives_the_activity_back_its_previous_content(service: CredentialService) -> None:
    """rules.md section 8: a withdrawn fact is void as if it had never been recorded."""
    activity_id = certified_with_workshop(service)
    service.amend_activity("m-1", activity_id, workshop("2020-02-03", hours=3), REASON)
    service.withdraw("m-1", claims_of(service, activity_id)[1].fact_id, "the 30 hours were right")
    assert counted(service, "2020-02-03") == 30
    assert service.credential("m-1").activity(activity_id) == claims_of(service, activity_id)[0]


def test_withdrawing_the_claim_of_an_amended_activity_removes_the_activity(service: CredentialService) -> None:
    """rules.md section 8: an activity claim is withdrawable; its amendments go with it."""
    activity_id = certified_with_workshop(service)
    service.amend_activity("m-1", activity_id, workshop("2020-02-03", hours=3), REASON)
    service.withdraw("m-1", claims_of(service, activity_id)[0].fact_id, "entered on the wrong member")
    assert counted(service, "2020-02-03") == 0
    assert service.credential("m-1").activity(activity_id) is None
    withdrawal = stored_facts(service, "m-1")[-1].fact_id
    marked = {e.fact_id: e.withdrawn_by for e in service.history("m-1")}
    assert [marked[f.fact_id] for f in claims_of(service, activity_id)] == [withdrawal, withdrawal]
