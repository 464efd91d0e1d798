from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _


def validate_pdf(file) -> None:
    """A signed document is a real PDF (by its content, not just its name) within the size limit."""
    limit = settings.AGREEMENT_DOCUMENT_MAX_BYTES
    if file.size is not None and file.size > limit:
        raise ValidationError(
            _("The document is too large (%(size)s); the limit is %(limit)s.")
            % {"size": filesizeformat(file.size), "limit": filesizeformat(limit)},
            code="document_too_large",
        )
    position = file.tell() if hasattr(file, "tell") else 0
    try:
        file.seek(0)
        head = file.read(5)
    finally:
        file.seek(position)
    if head != b"%PDF-":
        raise ValidationError(_("The document is not a PDF file."), code="document_not_pdf")
