"""Small real PDFs written with pypdf: a plain signed document and ones carrying active content."""

import io

from pypdf import PdfWriter
from pypdf.actions import JavaScript
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    FloatObject,
    NameObject,
    NumberObject,
    TextStringObject,
)


def _name(value: str) -> NameObject:
    return NameObject(value)


def _writer() -> PdfWriter:
    writer = PdfWriter()
    page = writer.add_blank_page(595, 842)
    content = DecodedStreamObject()
    content.set_data(b"BT /F1 12 Tf 72 770 Td (Overenskommelse om samverkan) Tj ET")
    page[_name("/Contents")] = writer._add_object(content)
    return writer


def _bytes(writer: PdfWriter) -> bytes:
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _annotation(writer: PdfWriter, annotation: dict) -> None:
    annotation = DictionaryObject(
        {
            _name("/Type"): _name("/Annot"),
            _name("/Rect"): ArrayObject([FloatObject(72), FloatObject(700), FloatObject(300), FloatObject(720)]),
            **{_name(key): value for key, value in annotation.items()},
        }
    )
    writer.pages[0][_name("/Annots")] = ArrayObject([writer._add_object(annotation)])


def _action(kind: str, **entries) -> DictionaryObject:
    return DictionaryObject(
        {_name("/Type"): _name("/Action"), _name("/S"): _name(kind), **{_name(k): v for k, v in entries.items()}}
    )


def plain_pdf(*, link: str | None = None) -> bytes:
    """A one-page PDF, optionally with an ordinary web link (which is allowed)."""
    writer = _writer()
    if link:
        _annotation(writer, {"/Subtype": _name("/Link"), "/A": _action("/URI", **{"/URI": TextStringObject(link)})})
    return _bytes(writer)


def javascript_pdf() -> bytes:
    """JavaScript run when the document opens."""
    writer = _writer()
    writer.add_open_action(JavaScript("app.alert('hej');"))
    return _bytes(writer)


def javascript_link_pdf() -> bytes:
    """A link annotation whose action is a `javascript:` address."""
    return plain_pdf(link="javascript:app.alert(1)")


def page_action_pdf() -> bytes:
    """JavaScript in a page's additional actions (run when the page opens), not in the catalogue."""
    writer = _writer()
    writer.pages[0][_name("/AA")] = DictionaryObject(
        {_name("/O"): _action("/JavaScript", **{"/JS": TextStringObject("this.print();")})}
    )
    return _bytes(writer)


def launch_pdf() -> bytes:
    """A launch action that starts a program when the document opens."""
    writer = _writer()
    writer._root_object[_name("/OpenAction")] = _action("/Launch", **{"/F": TextStringObject("cmd.exe")})
    return _bytes(writer)


def embedded_file_pdf() -> bytes:
    """A document with a file attached to it."""
    writer = _writer()
    writer.add_attachment("lasmig.exe", b"MZ\x90\x00 not really a program")
    return _bytes(writer)


def xfa_form_pdf() -> bytes:
    """An XFA form (its XML may carry scripts)."""
    writer = _writer()
    xfa = DecodedStreamObject()
    xfa.set_data(b"<xdp:xdp xmlns:xdp='http://ns.adobe.com/xdp/'></xdp:xdp>")
    writer._root_object[_name("/AcroForm")] = DictionaryObject(
        {_name("/Fields"): ArrayObject(), _name("/XFA"): writer._add_object(xfa)}
    )
    return _bytes(writer)


def hidden_object_pdf() -> bytes:
    """A plain PDF with a JavaScript action appended after its end, in no cross-reference table."""
    return plain_pdf() + b"99 0 obj\n<< /S /J#61vaScript /JS (app.alert(1)) >>\nendobj\n"


def html_polyglot_pdf() -> bytes:
    """A valid PDF that a browser shown it as HTML would run: a script in a PDF comment."""
    data = plain_pdf()
    header_end = data.index(b"\n") + 1
    html = b"%<html><body><script>alert(document.cookie)</script></body></html>\n"
    return data[:header_end] + html + data[header_end:]


def password_pdf() -> bytes:
    """A PDF that opens only with a password."""
    writer = _writer()
    writer.encrypt("hemligt", "agare", algorithm="AES-256")
    return _bytes(writer)


def restricted_pdf() -> bytes:
    """A PDF encrypted with an owner password only: it opens without one (print/copy restrictions)."""
    writer = _writer()
    writer.encrypt("", "agare", algorithm="AES-256", permissions_flag=NumberObject(-3904))
    return _bytes(writer)


def binary_stream_pdf(size: int = 1_000_000, seed: int = 13) -> bytes:
    """A plain PDF with a large stream of random bytes, as compressed images look to a byte search."""
    import random

    writer = _writer()
    stream = DecodedStreamObject()
    stream.set_data(random.Random(seed).randbytes(size))
    writer._root_object[_name("/PieceInfo")] = writer._add_object(stream)
    return _bytes(writer)


def object_stream_javascript_pdf() -> bytes:
    """JavaScript opened with the document, inside a compressed object stream (PDF 1.5): no byte search sees it."""
    import struct
    import zlib

    objects = [
        b"<< /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
        b"<< /S /JavaScript /JS (app.alert(1)) >>",
    ]
    header, body, offset = [], b"", 0
    for number, obj in enumerate(objects, start=1):
        header.append(f"{number} {offset}".encode())
        body += obj + b"\n"
        offset += len(obj) + 1
    index = b" ".join(header) + b"\n"
    packed = zlib.compress(index + body)
    data = b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n"
    stream_offset = len(data)
    data += (
        f"5 0 obj\n<< /Type /ObjStm /N {len(objects)} /First {len(index)} /Filter /FlateDecode "
        f"/Length {len(packed)} >>\nstream\n".encode()
        + packed
        + b"\nendstream\nendobj\n"
    )
    xref_offset = len(data)
    rows = [struct.pack(">BHH", 0, 0, 65535)]
    rows += [struct.pack(">BHH", 2, 5, position) for position in range(len(objects))]
    rows += [struct.pack(">BHH", 1, stream_offset, 0), struct.pack(">BHH", 1, xref_offset, 0)]
    table = b"".join(rows)
    data += (
        f"6 0 obj\n<< /Type /XRef /Size 7 /Root 1 0 R /W [1 2 2] /Length {len(table)} >>\nstream\n".encode()
        + table
        + b"\nendstream\nendobj\n"
        + f"startxref\n{xref_offset}\n%%EOF\n".encode()
    )
    return data


def many_objects_pdf(count: int) -> bytes:
    """A PDF of ``count`` tiny objects and no cross-reference table (the parser would rebuild one)."""
    objects = b"".join(b"%d 0 obj\n<< /A [1 2 3] >>\nendobj\n" % number for number in range(3, count + 3))
    return (
        b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [] /Count 0 >> "
        b"endobj\n" + objects + b"trailer << /Root 1 0 R >>\nstartxref\n0\n%%EOF\n"
    )
