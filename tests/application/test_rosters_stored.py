"""Provider rosters on SQLite and PostgreSQL (rules.md section 13): each attendee's claim goes through
the ordinary command loop, so two reports of one course at once, from two services on one store,
report each attendee once."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from threading import Barrier

from rules_support import D, stored_facts
from service_support import ServiceFactory

from application.commands import ReportRoster
from application.rosters import RosterReport
from application.service import CredentialService
from domain.errors import ConcurrentChange
from domain.events import ActivityClaimed

ATTENDEES = tuple(f"m-{n}" for n in range(6))


def test_two_reports_of_one_course_at_the_same_time_record_each_attendee_once(make_service: ServiceFactory) -> None:
    """rules.md section 13: "an attendee already reported for the same provider, course and completion date is
    not reported twice", however many reports race."""
    services = [make_service(), make_service()]
    for member_id in ATTENDEES:
        services[0].certify(member_id, "CPT", D("2022-03-01"))
    roster = ReportRoster("NSCA", "KB-101", "Kettlebells", D("2025-01-10"), ATTENDEES, units=Decimal("0.8"))
    start = Barrier(2)

    def report(service: CredentialService) -> RosterReport:
        start.wait()
        return service.execute(roster)

    with ThreadPoolExecutor(max_workers=2) as pool:
        first, second = pool.map(report, services)
    recorded = [c.member_id for c in [*first.recorded, *second.recorded]]
    assert sorted(recorded) == sorted(ATTENDEES)
    assert sorted([*first.already_reported, *second.already_reported]) == sorted(ATTENDEES)
    for member_id in ATTENDEES:
        assert sum(isinstance(f, ActivityClaimed) for f in stored_facts(services[1], member_id)) == 1


def test_an_attendee_changed_by_other_writers_throughout_is_refused_and_the_others_are_recorded(
        make_service: ServiceFactory) -> None:
    """An attendee whose credential another writer keeps changing, past the command loop's retries, is
    listed as refused (`concurrent_change`, safe to report again); the roster still records the rest."""
    service = make_service()
    for member_id in ATTENDEES[:2]:
        service.certify(member_id, "CPT", D("2022-03-01"))
    busy, calm = ATTENDEES[:2]
    command = service._command

    def contended(member_id: str, *arguments: object, **named: object) -> object:
        if member_id == busy:
            raise ConcurrentChange(member_id)
        return command(member_id, *arguments, **named)

    service._command = contended  # type: ignore[method-assign]
    report = service.execute(ReportRoster("NSCA", "KB-101", "Kettlebells", D("2025-01-10"), (busy, calm),
                                          units=Decimal("0.8")))
    assert [(r.member_id, r.code) for r in report.refused] == [(busy, "concurrent_change")]
    assert [c.member_id for c in report.recorded] == [calm]
    assert not any(isinstance(f, ActivityClaimed) for f in stored_facts(service, busy))
