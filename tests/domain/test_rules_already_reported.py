"""rules.md section 13, approved providers report completions: an attendee already reported for the
same provider, course and completion date is not reported twice. The rule judges every
`approved_provider` claim naming a course, however it arrives (a roster, an import row, the member's
own claim), on the in-memory store; each refusal records nothing."""

from __future__ import annotations

from typing import Any

import pytest
from rules_support import D, claim, refused, stored_facts

from application.service import CredentialService
from domain.events import ActivityClaimed
from domain.rules import ActivityClaim


def course(completed_on: str = "2020-03-01", category: str = "approved_provider", **fields: Any) -> ActivityClaim:
    """NSCA's course KB-101 (0.8 units, 8 CECs), as a roster reports it."""
    reported: dict[str, Any] = {"provider": "NSCA", "course_id": "KB-101", "units": "0.8", "title": "Kettlebells"}
    return claim(category, completed_on, **{**reported, **fields})


@pytest.fixture
def cpt(service: CredentialService) -> CredentialService:
    """Member m-1, CPT certified 2019-05-10."""
    service.certify("m-1", "CPT", D("2019-05-10"))
    return service


def claims(service: CredentialService) -> list[ActivityClaimed]:
    return [f for f in stored_facts(service, "m-1") if isinstance(f, ActivityClaimed)]


def test_a_second_report_of_the_same_provider_course_and_date_is_refused_with_already_reported(
        cpt: CredentialService) -> None:
    """rules.md section 13: "an attendee already reported for the same provider, course and completion date is
    not reported twice"."""
    first = cpt.claim_activity("m-1", course())
    error = refused(cpt, "m-1", "already_reported", lambda: cpt.claim_activity("m-1", course()))
    assert error.details == {"provider": "NSCA", "course_id": "KB-101", "completed_on": "2020-03-01",
                             "activity_id": first.activity_id}
    assert all(named in error.message for named in ("NSCA", "KB-101", "2020-03-01"))


def test_the_same_report_with_other_hours_or_title_is_still_refused(cpt: CredentialService) -> None:
    """rules.md section 13: the provider, course and completion date name the completion, not what it earned."""
    cpt.claim_activity("m-1", course())
    refused(cpt, "m-1", "already_reported", lambda: cpt.claim_activity(
        "m-1", course(units=None, hours="6", title="Kettlebells, day 1")))


def test_provider_names_differing_only_in_case_are_the_same_provider(cpt: CredentialService) -> None:
    """rules.md section 13 (providers are read as the unit conversion reads them, section 3)."""
    cpt.claim_activity("m-1", course())
    refused(cpt, "m-1", "already_reported", lambda: cpt.claim_activity("m-1", course(provider=" nsca")))


def test_the_same_course_completed_on_another_day_is_recorded(cpt: CredentialService) -> None:
    """rules.md section 13: a course run again is a new completion."""
    cpt.claim_activity("m-1", course("2020-03-01"))
    assert cpt.claim_activity("m-1", course("2020-09-01")).cecs_awarded == 8
    assert len(claims(cpt)) == 2


def test_another_providers_course_of_the_same_id_and_day_is_recorded(cpt: CredentialService) -> None:
    """rules.md section 13: the same provider, course and date; another provider's course id is its own."""
    cpt.claim_activity("m-1", course())
    assert cpt.claim_activity("m-1", course(provider="ACE")).cecs_awarded == 8


def test_approved_provider_claims_without_a_course_id_are_never_refused_as_already_reported(
        cpt: CredentialService) -> None:
    """rules.md section 13. Decision: without a course id a provider's two courses of one day cannot be told
    apart, so the rule does not apply."""
    for title in ("Kettlebells", "Mobility"):
        cpt.claim_activity("m-1", course(course_id=None, title=title))
    assert [c.title for c in claims(cpt)] == ["Kettlebells", "Mobility"]


def test_a_claim_of_another_category_naming_the_reported_course_is_recorded(cpt: CredentialService) -> None:
    """rules.md section 13 judges reported completions: approved-provider offerings."""
    cpt.claim_activity("m-1", course())
    assert cpt.claim_activity("m-1", course(category="training_course")).cecs_awarded == 8


def test_a_withdrawn_report_no_longer_stops_the_attendee_being_reported(cpt: CredentialService) -> None:
    """rules.md sections 8 and 13: a withdrawn claim is as if never recorded."""
    first = cpt.claim_activity("m-1", course())
    claimed = claims(cpt)[0]
    cpt.withdraw("m-1", claimed.fact_id, "reported for the wrong member")
    again = cpt.claim_activity("m-1", course())
    assert again.activity_id != first.activity_id
    assert again.cecs_awarded == 8


def test_amending_a_reported_claim_does_not_collide_with_itself(cpt: CredentialService) -> None:
    """rules.md sections 8 and 13: an amendment is judged against every known fact but the activity itself."""
    activity_id = cpt.claim_activity("m-1", course()).activity_id
    assert activity_id is not None
    outcome = cpt.amend_activity("m-1", activity_id, course(units="1.0"), "the certificate says 1.0")
    assert outcome.cecs_awarded == 10


def test_amending_another_claim_into_a_reported_completion_is_refused_with_already_reported(
        cpt: CredentialService) -> None:
    """rules.md sections 8 and 13: the amended content is judged as a claim."""
    cpt.claim_activity("m-1", course())
    other = cpt.claim_activity("m-1", course("2020-04-01")).activity_id
    assert other is not None
    refused(cpt, "m-1", "already_reported", lambda: cpt.amend_activity("m-1", other, course(), "date typed wrong"))
