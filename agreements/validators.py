from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from agreements import pdf_check

# What each kind of active content is called in the refusal.
ACTIVE_CONTENT_NAMES = {
    pdf_check.JAVASCRIPT: _("JavaScript"),
    pdf_check.LAUNCH: _("an action that starts a program"),
    pdf_check.EMBEDDED_FILE: _("embedded files"),
    pdf_check.FORM: _("an interactive form that runs scripts or sends data"),
    pdf_check.MULTIMEDIA: _("multimedia or 3D content"),
    pdf_check.HTML: _("HTML (the file is also a web page)"),
}


def _read(file) -> bytes:
    position = file.tell() if hasattr(file, "tell") else 0
    try:
        file.seek(0)
        return file.read()
    finally:
        file.seek(position)


def validate_pdf(file) -> None:
    """A signed document is a real PDF (by its content, not just its name) within the size limit, with no
    active content: no scripts, launch actions, embedded files or HTML (see ``agreements.pdf_check``)."""
    if getattr(file, "_committed", False):
        # Already in storage, checked when it was uploaded: saving the agreement again neither re-reads it
        # nor lets a document accepted under older rules block every later change of the agreement.
        return
    limit = settings.AGREEMENT_DOCUMENT_MAX_BYTES
    if file.size is not None and file.size > limit:
        raise ValidationError(
            _("The document is too large (%(size)s); the limit is %(limit)s.")
            % {"size": filesizeformat(file.size), "limit": filesizeformat(limit)},
            code="document_too_large",
        )
    data = _read(file)
    if data[:5] != b"%PDF-":
        raise ValidationError(_("The document is not a PDF file."), code="document_not_pdf")
    try:
        problems = pdf_check.pdf_problems(data)
    except pdf_check.UnreadablePdf as exc:
        if exc.reason == "encrypted":
            raise ValidationError(
                _(
                    "The document is protected with a password, so its content cannot be checked. "
                    "Upload it without one."
                ),
                code="document_encrypted",
            ) from exc
        if exc.reason == "too_complex":
            raise ValidationError(
                _(
                    "The document is too complex to be checked (more than %(limit)s objects). "
                    "Print it to a new PDF and upload that."
                )
                % {"limit": f"{pdf_check.MAX_OBJECTS:,}".replace(",", "\N{NO-BREAK SPACE}")},
                code="document_too_complex",
            ) from exc
        raise ValidationError(
            _("The document could not be read as a PDF (it may be damaged). Save it again as a PDF and upload that."),
            code="document_unreadable",
        ) from exc
    if problems:
        found = ", ".join(str(ACTIVE_CONTENT_NAMES[kind]) for kind in sorted(problems))
        raise ValidationError(
            "{} {}".format(
                _("The document contains active content: %(found)s.") % {"found": found},
                _("Save or print it again as a plain PDF (for example PDF/A) and upload that."),
            ),
            code="document_active_content",
        )
