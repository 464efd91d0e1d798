"""Model fields shared by the apps: free text with a maximum length that holds at every door."""

from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual
from django.utils.translation import gettext_lazy as _

# Maximum lengths of free text (characters): a note or a comment, and a longer description.
NOTE_MAX_LENGTH = 4000
DESCRIPTION_MAX_LENGTH = 10000


class BoundedTextField(models.TextField):
    """Free text with a maximum length: the admin's form and the API read ``max_length`` (Django and DRF),
    and ``full_clean`` checks it (a TextField's ``max_length`` alone reaches only the form). The database's
    side is ``text_length_constraints`` in the model's Meta."""

    def __init__(self, *args, max_length: int, **kwargs):
        super().__init__(*args, max_length=max_length, **kwargs)
        self.validators.append(MaxLengthValidator(max_length))


def text_length_constraints(prefix: str, **limits: int) -> list[models.CheckConstraint]:
    """A CHECK per field that its text is at most its limit long (in characters): ``field=limit``."""
    return [
        models.CheckConstraint(
            condition=LessThanOrEqual(Length(field), limit),
            name=f"{prefix}_{field}_max_length",
            violation_error_message=_("The text is longer than allowed."),
        )
        for field, limit in limits.items()
    ]
