"""E-mails, phone numbers and contact blocks (feeds.ingest.contacts)."""

import pytest

from feeds.ingest.contacts import parse_contact_lines, phone_e164, phones_in
from feeds.model import Contact


@pytest.mark.parametrize("raw, region, expected", [
    ("05 61 33 53 39", "FR", "+33561335339"),
    ("05.61.33.50.50", "FR", "+33561335050"),
    ("+33 4 67 22 81 81", "FR", "+33467228181"),
    ("0033 5 61 33 53 39", "FR", "+33561335339"),
    ("+32 2 555 12 12", "FR", "+3225551212"),
    ("05 61 33 53 39", "BE", None),  # not a Belgian number
    ("(651) 296-3353", "US", "+16512963353"),
    ("12", "FR", None),
    ("pas un numéro", "FR", None),
])
def test_phone_numbers_in_e164(raw, region, expected):
    assert phone_e164(raw, region) == expected


def test_phones_in_a_text_once_each():
    assert phones_in("Tél. : 05 61 33 53 39 / +33 (0)6 19 45 88 18, fax 05 61 33 53 39, le 12/03/2019") == [
        "+33561335339", "+33619458818"]


def test_contact_block():
    assert parse_contact_lines([
        "Contacts presse :",
        "Marie Curie, attachée de presse : marie.curie@region.fr - Tél. 05.61.33.50.50",
        "Service presse : +33 (0)4 67 22 81 81",
        "Montpellier : presse@region.fr ; Toulouse : toulouse@region.fr",
        "Sans moyen de contact",
    ]) == [
        Contact(name="Marie Curie", role="attachée de presse", email="marie.curie@region.fr", phones=["+33561335050"]),
        Contact(name=None, role="Service presse", email=None, phones=["+33467228181"]),
        Contact(name=None, role="Montpellier", email="presse@region.fr", phones=[]),
        Contact(name=None, role="Toulouse", email="toulouse@region.fr", phones=[]),
    ]
