import datetime
import re

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

EARLIEST_DATE = datetime.date(1900, 1, 1)
LATEST_DATE = datetime.date(2199, 12, 31)


def validate_plausible_date(value: datetime.date) -> None:
    """Dates in this domain lie between 1900 and 2199; the bound also keeps date arithmetic
    (review dates, renewal periods) away from the year-9999 overflow."""
    if value is not None and not (EARLIEST_DATE <= value <= LATEST_DATE):
        raise ValidationError(
            _("Give a date between %(earliest)s and %(latest)s.") % {"earliest": EARLIEST_DATE, "latest": LATEST_DATE},
            code="implausible_date",
        )


# Characters a name never holds: the invisible bidirectional controls, which reorder how the text around them
# is shown ("Anna \u202eredlaV" reads as "Anna Valder"; a list or an e-mail shows a different name than
# stored), and control characters (line breaks, tabs, bells). Letters of right-to-left scripts are fine.
BIDI_CONTROLS = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
NAME_FORBIDDEN_PATTERN = "[\x01-\x1f\x7f-\x9f" + BIDI_CONTROLS + "]"
_NAME_FORBIDDEN = re.compile(NAME_FORBIDDEN_PATTERN)


def validate_name_characters(value: str) -> None:
    """Refuse bidirectional control characters and control characters in a name."""
    if value and _NAME_FORBIDDEN.search(value):
        raise ValidationError(
            _("A name cannot hold invisible control characters (such as text direction marks or line breaks)."),
            code="name_control_characters",
        )


def name_characters_constraint(field: str, name: str) -> models.CheckConstraint:
    """The database's side of ``validate_name_characters`` on ``field``."""
    return models.CheckConstraint(
        condition=~Q(**{f"{field}__regex": NAME_FORBIDDEN_PATTERN}),
        name=name,
        violation_error_message=_(
            "A name cannot hold invisible control characters (such as text direction marks or line breaks)."
        ),
    )


# The largest id a bigint primary key holds: larger ones are refused before they reach the database.
ID_MAX = 2**63 - 1
