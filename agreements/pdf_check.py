"""What a signed document may not contain: active content a PDF viewer would run, and HTML a browser would.

Pure functions over the file's bytes (no database). The document is parsed with pypdf, a real PDF parser
(object streams decompressed, a broken cross-reference table rebuilt as viewers do), and every object it
holds is walked for scripts (JavaScript actions, `javascript:` links), launch actions, embedded files,
XFA forms, form submissions and rich media. The raw bytes are searched too, for the same names (also when
spelt with `#xx` escapes) in objects the parser does not list, and for HTML tags that would make the file a
PDF/HTML polyglot, rendered as a web page by a browser that is made to show it as HTML.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator

# Kinds of active content, the codes the validator turns into messages.
JAVASCRIPT = "javascript"
LAUNCH = "launch"
EMBEDDED_FILE = "embedded_file"
FORM = "form"
MULTIMEDIA = "multimedia"
HTML = "html"

# Action types (/S) that run something, open another file or send data away.
_ACTIONS = {
    "/JavaScript": JAVASCRIPT,
    "/Launch": LAUNCH,
    "/GoToE": EMBEDDED_FILE,
    "/ImportData": FORM,
    "/SubmitForm": FORM,
    "/RichMediaExecute": MULTIMEDIA,
    "/Rendition": MULTIMEDIA,
}
# Keys that carry a script, an embedded file, an XFA form or rich media wherever they appear.
_KEYS = {
    "/JS": JAVASCRIPT,
    "/JavaScript": JAVASCRIPT,  # the document's JavaScript name tree
    "/EmbeddedFiles": EMBEDDED_FILE,  # the document's embedded-file name tree
    "/EF": EMBEDDED_FILE,  # a file specification holding the file itself
    "/XFA": FORM,
    "/RichMediaContent": MULTIMEDIA,
}
# Object types and annotation subtypes (/Type, /Subtype).
_TYPES = {
    "/EmbeddedFile": EMBEDDED_FILE,
    "/FileAttachment": EMBEDDED_FILE,
    "/RichMedia": MULTIMEDIA,
    "/3D": MULTIMEDIA,  # 3D artwork may carry its own scripts
}
_SCRIPT_SCHEMES = ("javascript:", "vbscript:", "data:", "file:")

# In the raw bytes: names long enough not to turn up by chance in compressed data (a 20 MB file of random
# bytes holds `/JS` a few times, `/JavaScript` practically never), after decoding `#xx` escapes.
_RAW_NAMES = re.compile(
    rb"/(JavaScript|Launch|EmbeddedFiles?|RichMedia\w*|XFA|ImportData|SubmitForm)(?![^\s/<>\[\]()%{}])"
)
_RAW_NAME_KINDS = {
    b"JavaScript": JAVASCRIPT,
    b"Launch": LAUNCH,
    b"XFA": FORM,
    b"ImportData": FORM,
    b"SubmitForm": FORM,
}
# Parsing costs about 0.1–0.2 ms per object, and a 20 MB file can declare millions: more than this is refused
# before parsing, so no upload keeps a web worker past its timeout. A signed agreement of a few hundred pages
# has a few thousand.
MAX_OBJECTS = 25_000
_RAW_OBJECT = re.compile(rb"\d+\s+\d+\s+obj\b")
_DECLARED_SIZE = re.compile(rb"/Size\s+(\d{1,12})")
_NAME_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
# Tags that make a browser run script or load something; a tag name must end (space, `/` or `>`) so that
# XMP metadata (`<x:xmpmeta>`, `<rdf:RDF>`) and text never match.
_HTML = re.compile(
    rb"<\s*(?:!doctype\s+html|html|head|body|script|iframe|frame|frameset|svg|object|embed|img|meta|link|"
    rb"style|form|base|math)[\s/>]",
    re.IGNORECASE,
)


class UnreadablePdf(Exception):
    """The file is not a PDF the parser can read (damaged, or encrypted with a password)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason  # "damaged", "encrypted" or "too_complex"


def _walk(value, seen: set[int]) -> Iterator[dict]:
    """Every dictionary inside ``value`` (direct objects only: the indirect ones are visited on their own)."""
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

    stack = [value]
    while stack:
        current = stack.pop()
        if isinstance(current, IndirectObject) or id(current) in seen:
            continue
        if isinstance(current, DictionaryObject):  # streams are dictionaries too
            seen.add(id(current))
            yield current
            stack.extend(current.values())
        elif isinstance(current, ArrayObject):
            seen.add(id(current))
            stack.extend(current)


def _name(value) -> str | None:
    from pypdf.generic import IndirectObject, NameObject

    if isinstance(value, IndirectObject):
        value = value.get_object()
    return str(value) if isinstance(value, NameObject) else None


def _dictionary_problems(dictionary: dict) -> set[str]:
    from pypdf.generic import IndirectObject

    found = {kind for key, kind in _KEYS.items() if key in dictionary}
    for key in ("/Type", "/Subtype"):
        kind = _TYPES.get(_name(dictionary.get(key)) or "")
        if kind:
            found.add(kind)
    action = _name(dictionary.get("/S"))
    if action in _ACTIONS:
        found.add(_ACTIONS[action])
    if action == "/URI":
        uri = dictionary.get("/URI")
        if isinstance(uri, IndirectObject):
            uri = uri.get_object()
        text = bytes(uri).decode("latin-1") if isinstance(uri, bytes) else str(uri or "")
        if text.strip().lower().startswith(_SCRIPT_SCHEMES):
            found.add(JAVASCRIPT)
    return found


def _parsed_problems(data: bytes) -> set[str]:
    from pypdf import PdfReader
    from pypdf.generic import IndirectObject

    reader = PdfReader(io.BytesIO(data), strict=False)
    if reader.is_encrypted and not reader.decrypt(""):
        raise UnreadablePdf("encrypted")  # opening it needs a password: its content cannot be checked
    reader.root_object  # noqa: B018 - a file without a document catalogue is no PDF a viewer shows
    found: set[str] = set()
    seen: set[int] = set()
    numbers = {(number, generation) for generation, entries in reader.xref.items() for number in entries}
    numbers |= {(number, 0) for number in reader.xref_objStm}
    if len(numbers) > MAX_OBJECTS:
        raise UnreadablePdf("too_complex")
    roots = [reader.trailer] + [reader.get_object(IndirectObject(n, g, reader)) for n, g in sorted(numbers)]
    for root in roots:
        for dictionary in _walk(root, seen):
            found |= _dictionary_problems(dictionary)
    return found


def _raw_problems(data: bytes) -> set[str]:
    found: set[str] = set()
    unescaped = _NAME_ESCAPE.sub(lambda match: bytes([int(match.group(1), 16)]), data) if b"#" in data else data
    for match in _RAW_NAMES.finditer(unescaped):
        name = match.group(1)
        if name.startswith(b"EmbeddedFile"):
            found.add(EMBEDDED_FILE)
        elif name.startswith(b"RichMedia"):
            found.add(MULTIMEDIA)
        else:
            found.add(_RAW_NAME_KINDS[name])
    if _HTML.search(data):
        found.add(HTML)
    return found


def _too_many_objects(data: bytes) -> bool:
    declared = max((int(size) for size in _DECLARED_SIZE.findall(data)), default=0)
    if declared > MAX_OBJECTS:
        return True
    objects = _RAW_OBJECT.finditer(data)
    return any(count > MAX_OBJECTS for count, _match in enumerate(objects, start=1))


def pdf_problems(data: bytes) -> set[str]:
    """The kinds of active content in the PDF ``data`` (empty when there is none).

    Raises ``UnreadablePdf`` when the parser cannot read it: what cannot be read cannot be checked.
    """
    if _too_many_objects(data):
        raise UnreadablePdf("too_complex")
    try:
        parsed = _parsed_problems(data)
    except UnreadablePdf:
        raise
    except Exception as exc:  # noqa: BLE001 - any failure of the parser on untrusted bytes means "damaged"
        raise UnreadablePdf("damaged") from exc
    return parsed | _raw_problems(data)
