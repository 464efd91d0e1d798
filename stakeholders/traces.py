"""How a person's name, e-mail address, phone number and username are written in other people's text, as
patterns that find every common spelling; the privacy sweep (stakeholders.privacy) replaces what they find.

Pure functions over strings, no ORM. Each :class:`Trace` carries a Python pattern that finds and replaces it,
and a cheap test the database runs first to pick the rows worth reading (a substring, or for a phone number a
regular expression written so PostgreSQL and Python read it alike).

* Names: "Förnamn Efternamn", "Efternamn, Förnamn", "Efternamn Förnamn", "F. Efternamn", "F Efternamn",
  "Efternamn, F." in any case and spacing; the database test is the surname, which every variant contains.
* Phone numbers: the digits in order with up to three separators (space, hyphen, en dash, dot, slash,
  brackets) between any two, a Swedish number with or without "0", "+46", "0046" or "+46 (0)" in front.
  Our own pattern rather than phonenumbers' ``PhoneNumberMatcher``: the same pattern has to run in the
  database to find the rows, and it has to catch what people type, not only numbers that look valid.
* Usernames: as a word of their own (not inside an address or another word).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

# Between two digits of a phone number; a character class PostgreSQL's and Python's regular expressions read
# the same way (the hyphen first, so it is literal; no backslashes).
PHONE_SEPARATOR = "[-\u2013. /()\u00a0]{0,3}"
# Fewer significant digits than this are too likely to be something else (a year, an amount) to be scrubbed.
PHONE_MIN_DIGITS = 6
SWEDEN = "46"
# The order traces are replaced in: an address may contain a username or digits, a username a name.
ORDER = {"email": 0, "username": 1, "name": 2, "phone": 3}


@dataclass(frozen=True)
class Trace:
    """One identifier as written in text: ``pattern`` finds it, ``whole`` replaces a value that is nothing but
    it, ``part`` replaces it inside a longer text; ``contains`` (a substring, any case) or ``regex`` picks
    the database rows that may hold it."""

    kind: str
    pattern: re.Pattern
    whole: str
    part: str
    contains: str = ""
    regex: str = ""

    def in_json_text(self) -> set[str]:
        """``contains`` as it may be stored in JSON text (non-ASCII letters as \\u escapes on SQLite)."""
        return {self.contains, json.dumps(self.contains)[1:-1]}


def email_trace(email: str, *, part: str) -> Trace | None:
    email = email.strip().lower()
    if not email:
        return None
    pattern = re.compile(rf"(?<![\w.+-]){re.escape(email)}(?![\w-]|\.\w)", re.IGNORECASE)
    return Trace("email", pattern, "", part, contains=email)


def username_trace(username: str, *, replacement: str, names: set[str] = frozenset()) -> Trace | None:
    """A login's username; not when it is as short as a word or merely one of the person's names (scrubbing
    every "anna" or "andersson" in the database would hit everybody else of that name)."""
    username = username.strip()
    if len(username) < 3 or username.casefold() in {name.casefold() for name in names}:
        return None
    pattern = re.compile(rf"(?<![\w.@+-]){re.escape(username)}(?![\w@-]|\.\w)", re.IGNORECASE)
    return Trace("username", pattern, replacement, replacement, contains=username)


# Swedish (and English) words of one letter, which a capital at the start of a sentence makes look like an initial.
ONE_LETTER_WORDS = {"I", "Å", "Ö", "O", "A"}


def name_variants(first: str, last: str) -> list[str]:
    """Regular expressions for the ways one name is written, the longest first."""

    def words(text: str) -> str:
        return r"\s+".join(re.escape(word) for word in text.split())

    given, family = words(first), words(last)
    # The initial is a capital letter whatever the case of the rest: a lower-case "i" or "å" before a surname
    # that is also a place ("i Lund", "å Holm") is a word, not Ingrid or Åke. Without its full stop, an initial
    # that is also a one-letter word ("I Lund finns …") is not taken for one either.
    letter = first.strip()[0].upper()
    initial = rf"(?-i:{re.escape(letter)})"
    bare = [] if letter in ONE_LETTER_WORDS else [rf"{initial}\s+{family}"]  # F Efternamn
    return [
        rf"{family}\s*,\s*{given}",  # Efternamn, Förnamn
        rf"{given}\s+{family}",  # Förnamn Efternamn
        rf"{family}\s+{given}",  # Efternamn Förnamn (lists sorted by surname)
        rf"{family}\s*,\s*{initial}\.?",  # Efternamn, F.
        rf"{initial}\.\s*{family}",  # F. Efternamn
        *bare,
    ]


def name_trace(first: str, last: str, *, replacement: str) -> Trace | None:
    """The name's variants; a name without both parts is left alone (one word alone is anybody's)."""
    first, last = " ".join(first.split()), " ".join(last.split())
    if not first or not last:
        return None
    pattern = re.compile(rf"(?<!\w)(?:{'|'.join(name_variants(first, last))})(?!\w)", re.IGNORECASE)
    return Trace("name", pattern, replacement, replacement, contains=last.casefold())


def phone_digits(phone: str) -> tuple[str, str]:
    """(country code, the rest) of a number as typed: ("46", national number without the leading 0) for a
    Swedish or country-less number, ("", every digit after the "+" or "00") for a foreign one."""
    text = phone.strip()
    digits = re.sub(r"\D", "", text)
    if text.startswith("+"):
        international = digits
    elif digits.startswith("00"):
        international = digits[2:]
    else:
        return SWEDEN, digits.removeprefix("0")
    if international.startswith(SWEDEN):
        return SWEDEN, international[len(SWEDEN) :].removeprefix("0")
    return "", international


def phone_trace(phone: str, *, part: str) -> Trace | None:
    """The number in every common spelling; None for too few digits to tell it from other numbers."""
    country, number = phone_digits(phone)
    if len(number) < PHONE_MIN_DIGITS:
        return None
    s = PHONE_SEPARATOR
    body = s.join(number)
    # Swedish: "0", "+46", "0046" or "+46 (0)" in front, or nothing; foreign: "+" or "00" and every digit.
    prefix = rf"(?:(?:\+|00){s}{SWEDEN}{s}(?:0{s})?|\(?0{s})?" if country == SWEDEN else rf"(?:\+|00){s}"
    pattern = re.compile(rf"(?<![\d+]){prefix}{body}(?!\d)")
    return Trace("phone", pattern, "", part, regex=body)


def same_phone(trace: Trace, phone: str) -> bool:
    """Whether ``phone`` (a whole value) is the number ``trace`` finds, in whatever spelling."""
    return bool(phone) and trace.pattern.fullmatch(phone.strip()) is not None


def ordered(traces) -> list[Trace]:
    """The traces without the missing ones and the repeated ones, in the order they are replaced: by kind, the
    longest first."""
    present = {trace.pattern.pattern: trace for trace in traces if trace is not None}
    return sorted(present.values(), key=lambda trace: (ORDER[trace.kind], -len(trace.contains or trace.regex)))


def scrub(value, traces: list[Trace]):
    """``value`` (text, or decoded JSON) with every trace replaced."""
    if isinstance(value, str):
        stripped = value.strip()
        for trace in traces:
            if trace.pattern.fullmatch(stripped):
                return trace.whole
        for trace in traces:
            value = trace.pattern.sub(trace.part, value)
        return value
    if isinstance(value, dict):
        return {key: scrub(item, traces) for key, item in value.items()}
    if isinstance(value, list):
        return [scrub(item, traces) for item in value]
    return value
