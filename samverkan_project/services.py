"""Shared write helpers: assign known fields, validate the whole record, save."""

from django.db import models


def assign_fields(instance: models.Model, allowed: set[str], values: dict) -> None:
    unknown = set(values) - allowed
    if unknown:
        raise TypeError(f"unknown fields for {type(instance).__name__}: {', '.join(sorted(unknown))}")
    for name, value in values.items():
        setattr(instance, name, value)


def validated_save(instance: models.Model, allowed: set[str], values: dict) -> models.Model:
    """Set ``values`` on ``instance``, run ``full_clean()`` and save; callers wrap it in a transaction."""
    assign_fields(instance, allowed, values)
    instance.full_clean()
    instance.save()
    return instance
