from datetime import date

from credentials.application import CredentialService


def test_a_certification_is_read_back_from_a_second_service_on_the_same_store(make_service) -> None:
    writer: CredentialService = make_service()
    reader: CredentialService = make_service()
    writer.certify("m-1", "CPT", date(2019, 5, 10))
    assert reader.status("m-1", date(2020, 1, 1)).status.value == "active"
