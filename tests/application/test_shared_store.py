"""Several services on one store, as several worker processes are: what one records, the
others read at once, on SQLite and PostgreSQL."""

from datetime import date
from decimal import Decimal

from rules_support import D, workshop
from service_support import ServiceFactory

from domain.policy import FAQ_ERA, PolicyBook, amended


def test_a_certification_is_read_back_from_a_second_service_on_the_same_store(make_service: ServiceFactory) -> None:
    writer, reader = make_service(), make_service()
    writer.certify("m-1", "CPT", date(2019, 5, 10))
    assert reader.status("m-1", date(2020, 1, 1)).status.value == "active"


def test_services_sharing_a_store_with_the_same_book_price_the_same(make_service: ServiceFactory) -> None:
    """Decision: the policy is data, versioned by effective date."""
    late_fee_75 = amended(FAQ_ERA, "2020-01-01", date(2020, 1, 1), late_fee=Decimal(75))
    book = PolicyBook((FAQ_ERA, late_fee_75))
    writer, reader = make_service(policy=book), make_service(policy=book)
    writer.certify("m-1", "CPT", D("2016-04-01"))
    writer.claim_activity("m-1", workshop("2018-02-01", hours=45))
    assert str(reader.status("m-1", D("2020-03-01")).renewal_fee) == "120.00"
