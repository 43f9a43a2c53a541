"""One table per PII type, Presidio style: texts where every entity is found, and look-alikes
where none is. Rows are ``(text, expected surfaces)``; chat, voice-transcript and mail phrasings.
"""

from __future__ import annotations

import pytest

from orchestrator.privacy import PiiType, Redactor

REDACTOR = Redactor()


def found(text: str, kind: PiiType) -> list[str]:
    return [text[e.start : e.end] for e in REDACTOR.analyze(text) if e.type is kind]


EMAILS = [
    ("my email is jane.doe@gmail.com", ["jane.doe@gmail.com"]),
    ("Send it to r.chen+rx@outlook.co.uk.", ["r.chen+rx@outlook.co.uk"]),
    ("EMAIL: DAVE.W@COMPANY.ORG", ["DAVE.W@COMPANY.ORG"]),
    ("From: Ana <ana_87@mail-host.net>", ["ana_87@mail-host.net"]),
    ("old a@b.io, new c.d@e.org", ["a@b.io", "c.d@e.org"]),
    ("my email is john dot smith at gmail dot com", ["john dot smith at gmail dot com"]),
    ("it's mlopez72 at yahoo.com thanks", ["mlopez72 at yahoo.com"]),
    ("bob underscore jones at hotmail dot com", ["bob underscore jones at hotmail dot com"]),
]
NOT_EMAILS = [
    "I'll be at home after 5",
    "meet me @ the store",
    "the price is 2@$5",
    "email me at the address on file",
    "version 1.2.3 at build 45",
]


@pytest.mark.parametrize(("text", "expected"), EMAILS)
def test_when_all_email_addresses_then_succeed(text: str, expected: list[str]) -> None:
    assert found(text, PiiType.EMAIL) == expected


@pytest.mark.parametrize("text", NOT_EMAILS)
def test_when_no_email_addresses_then_nothing_found(text: str) -> None:
    assert found(text, PiiType.EMAIL) == []


PHONES = [
    ("You can reach me at (555) 123-4567.", ["(555) 123-4567"]),
    ("call back 555-867-5309 please", ["555-867-5309"]),
    ("cell 555.201.3344", ["555.201.3344"]),
    ("Phone: +1 555 010 2299", ["+1 555 010 2299"]),
    ("my UK number is +44 20 7946 0958", ["+44 20 7946 0958"]),
    ("whatsapp +91 98765 43210", ["+91 98765 43210"]),
    ("best number to reach me is 5553217788", ["5553217788"]),
    ("office 555-318-2200 ext. 204", ["555-318-2200 ext. 204"]),
    ("call me on 555-0147 tonight", ["555-0147"]),
    ("1-800-555-0199 did not answer", ["1-800-555-0199"]),
    (
        "my number is five five five one two three four five six seven",
        ["five five five one two three four five six seven"],
    ),
    ("uh call me at 5 5 5 8 1 2 0 0 4 4", ["5 5 5 8 1 2 0 0 4 4"]),
]
NOT_PHONES = [
    "Where is my order 3707955617?",
    "order number 5551234567 was cancelled",
    "Rx 601-2345 is ready",
    "I paid $1,234.56 on 12/03/2024",
    "take 20 mg twice a day, at 5:30 and 10:30",
    "member ID 5551234567",
    "yes my order number is four four seven one two",
]


@pytest.mark.parametrize(("text", "expected"), PHONES)
def test_when_all_phone_numbers_then_succeed(text: str, expected: list[str]) -> None:
    assert found(text, PiiType.PHONE) == expected


@pytest.mark.parametrize("text", NOT_PHONES)
def test_when_no_phone_numbers_then_nothing_found(text: str) -> None:
    assert found(text, PiiType.PHONE) == []


PERSONS = [
    ("Hi, my name is Jane Doe and I need a refill.", ["Jane Doe"]),
    ("This is John, any update?", ["John"]),
    ("I'm Maria Lopez, I called yesterday.", ["Maria Lopez"]),
    ("name: Robert Chen\nDOB: 01/02/1960", ["Robert Chen"]),
    ("Patient: O'Brien, Siobhan", ["O'Brien, Siobhan"]),
    ("for my son Tim, the chewable one", ["Tim"]),
    ("my name is john smith and i need my meds", ["john smith"]),
    ("hi this is maria calling about my refill", ["maria"]),
    ("Thanks,\nSarah Connor", ["Sarah Connor"]),
    ("Please advise.\nRegards, Dr. Amit Shah", ["Amit Shah"]),
    ("Dear Dr. Patel,\nthe new dose makes me dizzy.", ["Patel"]),
    ("Sincerely,\nMargaret A. Thompson", ["Margaret A. Thompson"]),
    ("The prescription is under the name Grace Kim.", ["Grace Kim"]),
    ("my wife's name is laura", ["laura"]),
    ("Can Mike Johnson pick it up for me?", ["Mike Johnson"]),
    ("I'm Dwayne and I want to know if it's covered", ["Dwayne"]),
    ("Hi, Olu Adeyemi here. Any news?", ["Olu Adeyemi"]),
    ("My mother-in-law, Beatriz Oliveira, needs a refill", ["Beatriz Oliveira"]),
    ("yes my name is sofia rossi s o f i a", ["sofia rossi", "s o f i a"]),
    ("the pharmacist, Jenna, said to wait", ["Jenna"]),
    ("PATIENT NAME: LUIS FERNANDEZ", ["LUIS FERNANDEZ"]),
]
NOT_PERSONS = [
    "I'm sorry, this is urgent",
    "I'm allergic to penicillin",
    "This is Walgreens? I was transferred.",
    "I'm Type 2 diabetic",
    "I'm on Medicare Part D",
    "Dear Pharmacy Team,\nplease refill my usual.",
    "Thanks, that helps a lot!",
    "Regards,\nThe Pharmacy Team",
    "i'm not sure this is the right number",
    "It's Tuesday and still no refill",
    "Best time to call is after 5",
    "It's Humira, the pen kind.",
    "I am Hispanic and the form asks for race",
    "I'm Gluten free, is this pill ok?",
    "Regards,\nCustomer Service",
]


@pytest.mark.parametrize(("text", "expected"), PERSONS)
def test_when_all_person_names_then_succeed(text: str, expected: list[str]) -> None:
    assert found(text, PiiType.PERSON) == expected


@pytest.mark.parametrize("text", NOT_PERSONS)
def test_when_no_person_names_then_nothing_found(text: str) -> None:
    assert found(text, PiiType.PERSON) == []


DATES_OF_BIRTH = [
    ("DOB 03/14/1985", ["03/14/1985"]),
    ("my date of birth is March 14, 1985.", ["March 14, 1985"]),
    ("born on 14 March 1985", ["14 March 1985"]),
    ("birthday: 1985-03-14", ["1985-03-14"]),
    ("d.o.b 7/4/52", ["7/4/52"]),
    ("Date of Birth: 5th of August 1977", ["5th of August 1977"]),
    ("he was born Jan. 9, 2015", ["Jan. 9, 2015"]),
    (
        "date of birth march fourteenth nineteen eighty five",
        ["march fourteenth nineteen eighty five"],
    ),
    (
        "dob is the twenty first of may nineteen seventy",
        ["the twenty first of may nineteen seventy"],
    ),
]
NOT_DATES_OF_BIRTH = [
    "my order from 03/14/2024 never came",
    "I started birth control on 03/01/2024",
    "my birthday is next week",
    "appointment on 10/14/2025 at 2:30",
    "DOB 13/45/1985",
    "born on 02/02/1850",
    "blood pressure 145/92 today",
]


@pytest.mark.parametrize(("text", "expected"), DATES_OF_BIRTH)
def test_when_all_dates_of_birth_then_succeed(text: str, expected: list[str]) -> None:
    assert found(text, PiiType.DATE_OF_BIRTH) == expected


@pytest.mark.parametrize("text", NOT_DATES_OF_BIRTH)
def test_when_no_dates_of_birth_then_nothing_found(text: str) -> None:
    assert found(text, PiiType.DATE_OF_BIRTH) == []


ADDRESSES = [
    ("ship to 123 Main St, Springfield, IL 62704", ["123 Main St, Springfield, IL 62704"]),
    ("I moved to 4567 Oak Avenue Apt 5B.", ["4567 Oak Avenue Apt 5B"]),
    (
        "mail it to:\n742 Evergreen Terrace\nSpringfield, OR 97477",
        ["742 Evergreen Terrace\nSpringfield, OR 97477"],
    ),
    ("PO Box 1193, Tucson, AZ 85701 please", ["PO Box 1193, Tucson, AZ 85701"]),
    ("deliver to 2200 west elm street apartment 3", ["2200 west elm street apartment 3"]),
    ("the old one was 1600 Pennsylvania Ave NW", ["1600 Pennsylvania Ave NW"]),
    ("we're in Boise, ID 83702", ["Boise, ID 83702"]),
    ("zip code is 30301", ["30301"]),
    (
        "Apt 4C, 350 Fifth Avenue, New York, NY 10118",
        ["Apt 4C, 350 Fifth Avenue, New York, NY 10118"],
    ),
    ("it went to 18 Old Mill Rd instead", ["18 Old Mill Rd"]),
]
NOT_ADDRESSES = [
    "The store on Main Street closes at 9pm",
    "take 2 tablets on the way to work",
    "Is the 24 hour drive thru open?",
    "I walked 2 blocks to the Park Ave location",
    "we live 20 minutes from the Oak Street store",
    "order 12345 shipped",
]


@pytest.mark.parametrize(("text", "expected"), ADDRESSES)
def test_when_all_addresses_then_succeed(text: str, expected: list[str]) -> None:
    assert found(text, PiiType.ADDRESS) == expected


@pytest.mark.parametrize("text", NOT_ADDRESSES)
def test_when_no_addresses_then_nothing_found(text: str) -> None:
    assert found(text, PiiType.ADDRESS) == []


CARDS = [
    ("card number 4111 1111 1111 1111 exp 09/27", ["4111 1111 1111 1111"]),
    ("visa 4012888888881881", ["4012888888881881"]),
    ("Mastercard 5555-5555-5555-4444", ["5555-5555-5555-4444"]),
    ("amex 3782 822463 10005", ["3782 822463 10005"]),
    ("Diners 3056 930902 5904", ["3056 930902 5904"]),
    ("use 6011000990139424 please", ["6011000990139424"]),
]
NOT_CARDS = [
    "card 4111 1111 1111 1112",  # fails the Luhn check
    "the card ending in 4242 was declined",
    "tracking 9400111899223344556677",
    "order 4111111111111111",
    "0000 0000 0000 0000",
]


@pytest.mark.parametrize(("text", "expected"), CARDS)
def test_when_all_card_numbers_then_succeed(text: str, expected: list[str]) -> None:
    assert found(text, PiiType.CARD_NUMBER) == expected


@pytest.mark.parametrize("text", NOT_CARDS)
def test_when_no_card_numbers_then_nothing_found(text: str) -> None:
    assert found(text, PiiType.CARD_NUMBER) == []


SSNS = [
    ("SSN 123-45-6789", ["123-45-6789"]),
    ("my social security number is 219 09 9999", ["219 09 9999"]),
    ("my social is 078051120", ["078051120"]),
    ("last four of my social are 6789", ["6789"]),
    ("it's 145-67-2290, but don't read it over the phone", ["145-67-2290"]),
    (
        "my social is five one two four four seven seven eight nine",
        ["five one two four four seven seven eight nine"],
    ),
]
NOT_SSNS = [
    "SSN 000-12-3456",
    "ssn 666-12-3456",
    "ssn 912-34-5678",
    "my order 123456789 is late",
    "ticket 123-45-6789 is still open",
    "member id 219099999",
]


@pytest.mark.parametrize(("text", "expected"), SSNS)
def test_when_all_social_security_numbers_then_succeed(text: str, expected: list[str]) -> None:
    assert found(text, PiiType.SSN) == expected


@pytest.mark.parametrize("text", NOT_SSNS)
def test_when_no_social_security_numbers_then_nothing_found(text: str) -> None:
    assert found(text, PiiType.SSN) == []


RX_NUMBERS = [
    ("Rx 6012345 is ready?", ["6012345"]),
    ("RX#8834521 was not filled", ["8834521"]),
    ("prescription number 1234567", ["1234567"]),
    ("rx no. 55-1234 hasn't been refilled", ["55-1234"]),
    ("refill Rx 6012345 and Rx 6012346", ["6012345", "6012346"]),
    ("Rx #: 0345678-02", ["0345678-02"]),
    ("the rx number on the bottle reads 2094471", ["2094471"]),
    ("my rx number is six zero one two three four five", ["six zero one two three four five"]),
]
NOT_RX_NUMBERS = [
    "order 12345 hasn't shipped",
    "Rx for 30 tablets only?",
    "my prescription for 20 mg lisinopril",
    "refill order 7712345 please",
    "I need a refill, order 1234567",
    "refill was 30 days ago",
]


@pytest.mark.parametrize(("text", "expected"), RX_NUMBERS)
def test_when_all_rx_numbers_then_succeed(text: str, expected: list[str]) -> None:
    assert found(text, PiiType.RX_NUMBER) == expected


@pytest.mark.parametrize("text", NOT_RX_NUMBERS)
def test_when_no_rx_numbers_then_nothing_found(text: str) -> None:
    assert found(text, PiiType.RX_NUMBER) == []


INSURANCE_IDS = [
    ("member ID XJH123456789", ["XJH123456789"]),
    ("policy number 987654321, group 0012345", ["987654321", "0012345"]),
    ("Group number: GRP-44821", ["GRP-44821"]),
    ("Medicare number 1EG4-TE5-MK73", ["1EG4-TE5-MK73"]),
    ("my new Cigna card says U8842193011", ["U8842193011"]),
    ("member id is x j h one two three four five", ["x j h one two three four five"]),
    ("Subscriber ID: 884512309", ["884512309"]),
]
NOT_INSURANCE_IDS = [
    "Do you take Blue Cross? My plan changed in 2024.",
    "the policy is to wait 24 hours",
    "member since 2019",
    "Lot number 2023A104 expires 11/2025",
    "Tracking number 1Z999AA10123456784",
]


@pytest.mark.parametrize(("text", "expected"), INSURANCE_IDS)
def test_when_all_insurance_ids_then_succeed(text: str, expected: list[str]) -> None:
    assert found(text, PiiType.INSURANCE_ID) == expected


@pytest.mark.parametrize("text", NOT_INSURANCE_IDS)
def test_when_no_insurance_ids_then_nothing_found(text: str) -> None:
    assert found(text, PiiType.INSURANCE_ID) == []
