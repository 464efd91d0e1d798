"""The public answer form, built from an instrument's items: a value on the scale (required) and an optional
comment for each rated item, a written answer for each text item."""

from __future__ import annotations

from dataclasses import dataclass, field

from django import forms
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from assessments.models import Answer, Instrument, Item, localized
from assessments.services import COMMENT_MAX_LENGTH


@dataclass
class Choice:
    value: int
    id: str
    checked: bool


@dataclass
class Row:
    """One item as the template draws it."""

    number: int
    item: Item
    value: forms.BoundField | None  # None for a text item
    comment: forms.BoundField
    choices: list[Choice]
    errors: list[str]
    error_id: str
    target_id: str  # what the error summary links to: the first radio button, or the text box
    comment_html: str = ""

    @property
    def legend_id(self) -> str:
        return f"legend_{self.item.pk}"


@dataclass
class Section:
    title: str
    description: str
    rows: list[Row] = field(default_factory=list)


class AnswerForm(forms.Form):
    """Fields ``value_<item id>`` (radio buttons scale_min..scale_max) and ``comment_<item id>`` (text)."""

    def __init__(self, *args, instrument: Instrument, items: list[Item], answers: list[Answer] = (), **kwargs):
        initial = kwargs.pop("initial", None) or {}
        for answer in answers:
            initial[f"value_{answer.item_id}"] = answer.value
            initial[f"comment_{answer.item_id}"] = answer.comment
        super().__init__(*args, initial=initial, **kwargs)
        self.instrument = instrument
        self.items = list(items)
        scale_text = {"min": instrument.scale_min, "max": instrument.scale_max}
        for item in self.items:
            if item.is_scored:
                self.fields[f"value_{item.pk}"] = forms.TypedChoiceField(
                    choices=[(value, str(value)) for value in instrument.scale],
                    coerce=int,
                    required=True,
                    widget=forms.RadioSelect,
                    error_messages={
                        "required": _("Choose a value from %(min)s to %(max)s.") % scale_text,
                        "invalid_choice": _("%(value)s is not on the scale: choose a value from %(min)s to %(max)s.")
                        % {**scale_text, "value": "%(value)s"},
                    },
                )
                self.fields[f"comment_{item.pk}"] = forms.CharField(
                    label=_("Comment (optional)"),
                    required=False,
                    max_length=COMMENT_MAX_LENGTH,
                    widget=forms.Textarea(attrs={"rows": 3}),
                )
            else:
                self.fields[f"comment_{item.pk}"] = forms.CharField(
                    label=item.text,
                    required=False,
                    max_length=COMMENT_MAX_LENGTH,
                    widget=forms.Textarea(attrs={"rows": 5}),
                )

    def values(self) -> dict[int, tuple[int | None, str]]:
        """The cleaned answers in the shape ``services.answers_save`` takes."""
        return {
            item.pk: (
                self.cleaned_data.get(f"value_{item.pk}") if item.is_scored else None,
                self.cleaned_data.get(f"comment_{item.pk}", ""),
            )
            for item in self.items
        }

    def add_service_errors(self, error_dict: dict[str, list[str]]) -> None:
        """Show the service's per-item messages (keyed by item id) at the item's value or text field."""
        by_id = {str(item.pk): item for item in self.items}
        for key, messages in error_dict.items():
            item = by_id.get(key)
            name = None if item is None else (f"value_{item.pk}" if item.is_scored else f"comment_{item.pk}")
            for message in messages:
                self.add_error(name, message)

    def sections(self) -> list[Section]:
        sections: list[Section] = []
        current_id = None
        for number, item in enumerate(self.items, start=1):
            if item.section_id != current_id:
                current_id = item.section_id
                sections.append(Section(title=item.section.title, description=item.section.description))
            sections[-1].rows.append(self._row(number, item))
        return sections

    def _row(self, number: int, item: Item) -> Row:
        comment = self[f"comment_{item.pk}"]
        error_id = f"error_{item.pk}"
        if item.is_scored:
            value = self[f"value_{item.pk}"]
            current = value.value()
            current = "" if current is None else str(current)
            choices = [
                Choice(value=option, id=f"id_value_{item.pk}_{option}", checked=str(option) == current)
                for option in self.instrument.scale
            ]
            errors = list(value.errors) + list(comment.errors)
            target_id = choices[0].id
            described = [error_id] if comment.errors else []
        else:
            value, choices = None, []
            errors = list(comment.errors)
            target_id = comment.id_for_label
            described = [f"hint-{item.pk}"] + ([error_id] if errors else [])
        attrs = {"aria-describedby": " ".join(described)} if described else {}
        return Row(
            number=number,
            item=item,
            value=value,
            comment=comment,
            choices=choices,
            errors=errors,
            error_id=error_id,
            target_id=target_id,
            comment_html=comment.as_widget(attrs=attrs),
        )

    def error_summary(self) -> list[tuple[str, str]]:
        """(id to link to, message) for every error, in the order of the questions."""
        summary = [("main", str(message)) for message in self.non_field_errors()]
        for number, item in enumerate(self.items, start=1):
            row = self._row(number, item)
            name = item.label or Truncator(item.text).chars(60)
            for message in row.errors:
                summary.append((row.target_id, f"{number}. {name}: {message}"))
        return summary

    @property
    def scale_min_label(self) -> str:
        return localized(self.instrument, "scale_min_label")

    @property
    def scale_max_label(self) -> str:
        return localized(self.instrument, "scale_max_label")
