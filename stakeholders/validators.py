"""Swedish organisationsnummer: ten digits, the last a Luhn check digit, shown NNNNNN-NNNN."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

ORG_NUMBER_FORMAT = r"^[0-9]{6}-[0-9]{4}$"


def luhn_check_digit(digits: str) -> int:
    """The Luhn check digit for ``digits`` (weights 2,1,2,1… from the left for 9 digits)."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char) * (2 if index % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return (10 - total % 10) % 10


def luhn_is_valid(digits: str) -> bool:
    return re.fullmatch(r"[0-9]{2,}", digits) is not None and luhn_check_digit(digits[:-1]) == int(digits[-1])


def normalize_org_number(value: str) -> str:
    """Return ``value`` as NNNNNN-NNNN, or raise ValidationError with a message a person can act on.

    Accepts spaces, a hyphen, and the 12-digit form with a "16" century prefix.
    """
    raw = re.sub(r"[\s-]", "", str(value or ""))
    if len(raw) == 12 and raw.startswith("16"):
        raw = raw[2:]
    if not re.fullmatch(r"[0-9]{10}", raw):
        raise ValidationError(
            _("An organisation number has ten digits, written NNNNNN-NNNN."), code="org_number_format"
        )
    if not luhn_is_valid(raw):
        raise ValidationError(
            _("The organisation number's check digit is wrong; check for a typing error."),
            code="org_number_checksum",
        )
    return f"{raw[:6]}-{raw[6:]}"


def validate_org_number(value: str) -> None:
    normalize_org_number(value)
