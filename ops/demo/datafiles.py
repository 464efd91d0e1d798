"""Reading the demo data files (``ops/demo/data/*.toml``) into the seed dataclasses.

TOML because the standard library reads it (``tomllib``), it allows comments beside the data, multi-line
text and dates, and its tables map one to one onto the seed dataclasses. Each file documents its own
fields at the top. An entry that cannot be loaded raises ``DemoDataError`` naming the file and the entry,
so a typing error in a data file reads as such rather than as a ``KeyError`` deep inside seeding.
"""

from __future__ import annotations

import dataclasses
import re
import tomllib
import types
import typing
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from enum import Enum
from pathlib import Path
from typing import Any, TypeVar

from dateutil.relativedelta import relativedelta

DATA_DIR = Path(__file__).resolve().parent / "data"

T = TypeVar("T")


class DemoDataError(ValueError):
    """A data file entry that cannot be loaded; the message names the file, the entry and the field."""


@dataclass(frozen=True)
class FromToday:
    """A date declared relative to the day its row is first created."""

    months: int = 0
    days: int = 0

    def on(self, today: date) -> date:
        return today + relativedelta(months=self.months, days=self.days)


DateSeed = FromToday | date | None

RELATIVE_DATE = re.compile(r"([+-][0-9]+)([md])")


def resolve_date(value: DateSeed, today: date) -> date | None:
    return value.on(today) if isinstance(value, FromToday) else value


def relative_date(value: Any) -> FromToday:
    """``"+3m"`` (three months from today) or ``"-10d"`` (ten days ago) as a FromToday."""
    match = RELATIVE_DATE.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise ValueError(f"{value!r} is not a relative date such as '+3m' or '-10d'")
    number, unit = int(match[1]), match[2]
    return FromToday(months=number) if unit == "m" else FromToday(days=number)


def date_seed(value: Any) -> FromToday | date:
    """A relative date (``"-14m"``) or a TOML date (``2025-01-31``)."""
    return value if isinstance(value, date) else relative_date(value)


def calendar_date(value: Any) -> date:
    """A TOML date (``2025-06-30``, unquoted)."""
    if not isinstance(value, date):
        raise ValueError(f"{value!r} is not a date such as 2025-06-30 (written without quotes)")
    return value


def choice(enum: type[Enum]) -> Callable[[Any], Enum]:
    """A converter to a member of ``enum`` by its stored value."""

    def convert(value: Any) -> Enum:
        try:
            return enum(value)
        except ValueError:
            allowed = ", ".join(repr(member.value) for member in enum)
            raise ValueError(f"{value!r} is not one of {allowed}") from None

    return convert


def read(name: str, data_dir: Path = DATA_DIR) -> dict[str, Any]:
    """The data file ``name`` in ``data_dir``, parsed."""
    try:
        with (data_dir / name).open("rb") as file:
            return tomllib.load(file)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise DemoDataError(f"{name}: {exc}") from exc


def tables(document: dict[str, Any], key: str, where: str) -> list[dict[str, Any]]:
    """The array of tables ``key`` in ``document`` (none when absent)."""
    value = document.get(key, [])
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise DemoDataError(f"{where}: {key!r} must be a list of tables")
    return value


def build(
    cls: type[T],
    table: dict[str, Any],
    where: str,
    *,
    convert: dict[str, Callable[[Any], Any]] | None = None,
    skip: Iterable[str] = (),
    defaults: dict[str, Any] | None = None,
    **given: Any,
) -> T:
    """``cls`` from ``table``: unknown or missing fields and unconvertible values are a DemoDataError.

    ``convert`` maps a field to the function that turns its file value into the seed's; ``skip`` names the
    table's keys read separately (nested tables); ``defaults`` are values for required fields the table may
    leave out (TOML has no null); ``given`` are fields not written in the table.
    """
    convert = convert or {}
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = set(table) - set(fields) - set(skip)
    if unknown:
        raise DemoDataError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
    implied = (set(table) & set(given)) - set(skip)
    if implied:
        raise DemoDataError(f"{where}: {', '.join(sorted(implied))} follow(s) from where the entry is written")
    hints = typing.get_type_hints(cls)
    values = {**(defaults or {}), **given}
    for name, value in table.items():
        if name in fields and name not in given:
            try:
                values[name] = convert[name](value) if name in convert else _plain(value, hints[name])
            except (TypeError, ValueError) as exc:
                raise DemoDataError(f"{where}: {name}: {exc}") from None
    missing = [
        name
        for name, f in fields.items()
        if name not in values and f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
    ]
    if missing:
        raise DemoDataError(f"{where}: missing field(s) {', '.join(missing)}")
    return cls(**values)


def _plain(value: Any, hint: Any) -> Any:
    """``value`` if it has the plain type (text, whole number, true/false) the field declares."""
    if typing.get_origin(hint) not in (None, typing.Union, types.UnionType):
        return value  # a tuple of nested seeds, built by the caller
    expected = tuple(t for t in typing.get_args(hint) or (hint,) if t in (str, int, bool))
    # bool is a subclass of int, but true is not a number of hours
    if expected and (not isinstance(value, expected) or (isinstance(value, bool) and bool not in expected)):
        names = " or ".join({str: "text", int: "a whole number", bool: "true or false"}[t] for t in expected)
        raise ValueError(f"{value!r} is not {names}")
    return value
