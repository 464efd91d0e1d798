import datetime

from django.core.exceptions import ValidationError
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
