"""Swedish organisationsnummer (ten digits, the last a Luhn check digit, shown NNNNNN-NNNN) and phone numbers."""

import re

import phonenumbers
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


# --- phone numbers ---------------------------------------------------------------------------------------

# How a phone number is stored: E.164, "+" and the country code with the number, digits only (+46701740605).
PHONE_FORMAT = r"^\+[1-9][0-9]{5,14}$"
PHONE_DEFAULT_REGION = "SE"


def normalize_phone(value: str) -> str:
    """Return ``value`` as E.164 (+46701740605), or raise ValidationError with a message a person can act on.

    Read with Google's libphonenumber rules (the phonenumbers package): a number without a country code is
    Swedish (070-174 06 05, 08-123 456 78), others start with + or 00 (+358 40 1234567).
    """
    text = str(value or "").strip()
    if text.startswith("00"):
        text = "+" + text[2:]
    # phonenumbers reads any Unicode digit and letters as on a keypad; only the digits people write are taken.
    if not text.isascii() or any(char.isalpha() for char in text):
        raise ValidationError(_("A phone number is written with digits, e.g. 070-123 45 67."), code="phone_format")
    try:
        number = phonenumbers.parse(text, PHONE_DEFAULT_REGION)
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(
            _("A phone number is written with digits, e.g. 070-123 45 67."), code="phone_format"
        ) from exc
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(
            _("This is not a valid phone number; numbers outside Sweden start with + and the country code."),
            code="phone_invalid",
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
