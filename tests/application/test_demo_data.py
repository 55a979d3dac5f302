"""The demo data loads on an empty store only, and shows the situations it promises."""

from __future__ import annotations

from entrypoints.demo import load_demo


def test_the_demo_loads_its_members_into_an_empty_store_with_a_member_in_each_status(memory_service) -> None:
    assert load_demo(memory_service) == 8
    statuses = {member: memory_service.status(member).status.value for member in memory_service.member_ids()}
    assert statuses["demo-due"] == "active"
    assert statuses["demo-audited"] == "inactive"
    assert statuses["demo-lapsing"] == "invalid"
    assert memory_service.status("demo-awaiting").audit.state.value == "awaiting_proof"


def test_the_demo_records_nothing_when_the_store_already_has_members(memory_service) -> None:
    memory_service.certify("someone", "CPT", memory_service.today())
    assert load_demo(memory_service) == 0
    assert list(memory_service.member_ids()) == ["someone"]
