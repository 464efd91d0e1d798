"""Writes on agreements: plain create/update with validation, the lifecycle, and the hand-over."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import update_change_reason

from agreements import selectors
from agreements.choices import AgreementStatus, AnchoringKind, Mandate
from agreements.models import (
    COORDINATOR_NEEDED,
    Agreement,
    Anchoring,
    Commitment,
    FollowUp,
    Interaction,
    Party,
    Representative,
    Responsibility,
    organization_lineage,
)
from samverkan_project.services import validated_save
from stakeholders.models import Employment, Organization, Person

AGREEMENT_FIELDS = {
    "title",
    "reference",
    "purpose",
    "goals",
    "ambition",
    "valid_from",
    "valid_to",
    "notice_period_months",
    "review_interval_months",
    "next_review_on",
    "assessment_interval_months",
    "coordinator",
    "document",
}
PARTY_FIELDS = {"agreement", "organization", "role", "contribution"}
REPRESENTATIVE_FIELDS = {"party", "person", "mandate", "hours_per_month", "is_primary"}
RESPONSIBILITY_FIELDS = {"agreement", "title", "kind", "description", "responsible", "deputy"}
ANCHORING_FIELDS = {"party", "kind", "body", "reference", "date", "person", "note"}
COMMITMENT_FIELDS = {"party", "description", "due_on", "status", "responsible"}
INTERACTION_FIELDS = {"kind", "date", "title", "notes", "decisions", "agreement"}
FOLLOW_UP_FIELDS = {"description", "responsible", "due_on", "status", "interaction", "agreement"}

MODEL_FIELDS = {
    Agreement: AGREEMENT_FIELDS,
    Party: PARTY_FIELDS,
    Representative: REPRESENTATIVE_FIELDS,
    Responsibility: RESPONSIBILITY_FIELDS,
    Anchoring: ANCHORING_FIELDS,
    Commitment: COMMITMENT_FIELDS,
    FollowUp: FOLLOW_UP_FIELDS,
}


@transaction.atomic
def record_create(*, model, **values):
    """Create any agreement-app record through its model validation."""
    return validated_save(model(), MODEL_FIELDS[model], values)


@transaction.atomic
def record_update(*, instance, **values):
    """Update any agreement-app record through its model validation."""
    return validated_save(instance, MODEL_FIELDS[type(instance)], values)


# --- the dialogue: interactions ----------------------------------------------------------------


def _interaction_people(organizations, participants) -> tuple[list, list]:
    """The organisations (by default the participants' own) and the participants, each of whom must belong to
    one of the organisations (or one below it)."""
    organizations = list(dict.fromkeys(organizations or ()))
    participants = list(dict.fromkeys(participants or ()))
    if not organizations:
        organizations = list(dict.fromkeys(person.organization for person in participants))
    chosen = {organization.pk for organization in organizations}
    strangers = [person for person in participants if not (organization_lineage(person.organization_id) & chosen)]
    if strangers:
        raise ValidationError(
            {
                "participants": _("%(people)s belong to none of the interaction's organisations.")
                % {"people": ", ".join(str(person) for person in strangers)}
            }
        )
    return organizations, participants


@transaction.atomic
def interaction_create(*, organizations=None, participants=None, **values) -> Interaction:
    """Log an interaction with its organisations and participants (validated together)."""
    interaction = Interaction()
    organizations, participants = _interaction_people(organizations, participants)
    validated_save(interaction, INTERACTION_FIELDS, values)
    interaction.organizations.set(organizations)
    interaction.participants.set(participants)
    return interaction


@transaction.atomic
def interaction_update(*, instance: Interaction, organizations=None, participants=None, **values) -> Interaction:
    """Change an interaction; organisations and participants left out stay as they are."""
    if organizations is None:
        organizations = list(instance.organizations.all())
    if participants is None:
        participants = list(instance.participants.all())
    organizations, participants = _interaction_people(organizations, participants)
    validated_save(instance, INTERACTION_FIELDS, values)
    instance.organizations.set(organizations)
    instance.participants.set(participants)
    return instance


def _set_status(agreement: Agreement, status: str, reason: str, **fields) -> Agreement:
    agreement.status = status
    for name, value in fields.items():
        setattr(agreement, name, value)
    agreement.full_clean()
    agreement.save()
    update_change_reason(agreement, reason)
    return agreement


@transaction.atomic
def agreement_activate(*, agreement: Agreement) -> Agreement:
    """Draft → active: needs a coordinator, a start date, at least two parties and at least one responsibility.
    A missing coordinator is an error on the field ``coordinator``; the others are the agreement's own."""
    agreement = Agreement.objects.select_for_update().get(pk=agreement.pk)
    if agreement.status != AgreementStatus.DRAFT:
        raise ValidationError(
            _("Only a draft can be activated; this agreement is %(status)s.")
            % {"status": agreement.get_status_display().lower()}
        )
    problems = []
    if agreement.valid_from is None:
        problems.append(_("it needs a start date"))
    if agreement.parties.count() < 2:
        problems.append(_("it needs at least two parties"))
    if not agreement.responsibilities.exists():
        problems.append(_("it needs at least one responsibility"))
    errors = {}
    if agreement.coordinator_id is None:
        errors["coordinator"] = [COORDINATOR_NEEDED]
    if problems:
        errors[NON_FIELD_ERRORS] = [
            _("The agreement cannot be activated: %(problems)s.") % {"problems": "; ".join(problems)}
        ]
    if errors:
        raise ValidationError(errors)
    if agreement.next_review_on is None:
        agreement.next_review_on = agreement.valid_from + relativedelta(months=agreement.review_interval_months)
    predecessor = agreement.renewed_from
    if predecessor is not None and predecessor.status == AgreementStatus.ACTIVE:
        _set_status(predecessor, AgreementStatus.EXPIRED, _("Replaced by its renewal"))
    return _set_status(agreement, AgreementStatus.ACTIVE, _("Activated"))


@transaction.atomic
def agreement_terminate(*, agreement: Agreement, on: date | None = None, reason: str = "") -> Agreement:
    """Active (or draft) → terminated, with the day and the reason."""
    agreement = Agreement.objects.select_for_update().get(pk=agreement.pk)
    if agreement.status not in (AgreementStatus.DRAFT, AgreementStatus.ACTIVE):
        raise ValidationError(
            _("Only a draft or active agreement can be terminated; this agreement is %(status)s.")
            % {"status": agreement.get_status_display().lower()}
        )
    day = on or timezone.localdate()
    if agreement.valid_from and day < agreement.valid_from:
        raise ValidationError({"on": _("The termination date cannot be before the start date.")})
    try:
        Agreement._meta.get_field("termination_reason").run_validators(reason.strip())
    except ValidationError as exc:
        raise ValidationError({"reason": exc.messages}) from exc
    return _set_status(
        agreement, AgreementStatus.TERMINATED, _("Terminated"), terminated_on=day, termination_reason=reason.strip()
    )


@transaction.atomic
def agreement_expire_due(*, today: date | None = None) -> int:
    """Active agreements whose end date has passed become expired; returns how many."""
    day = today or timezone.localdate()
    due = Agreement.objects.select_for_update().filter(status=AgreementStatus.ACTIVE, valid_to__lt=day)
    count = 0
    for agreement in due:
        _set_status(agreement, AgreementStatus.EXPIRED, _("Expired at the end of its period"))
        count += 1
    return count


@transaction.atomic
def agreement_renew(*, agreement: Agreement, valid_from: date | None = None, valid_to: date | None = None) -> Agreement:
    """A new draft for the next period, carrying parties, representatives, roles and sponsors over.

    Decisions, plans and commitments belong to a period and are not carried over.
    """
    agreement = Agreement.objects.select_for_update().get(pk=agreement.pk)
    if agreement.status not in (AgreementStatus.ACTIVE, AgreementStatus.EXPIRED):
        raise ValidationError(_("Only an active or expired agreement can be renewed."))
    if Agreement.objects.filter(renewed_from=agreement).exists():
        raise ValidationError(_("This agreement has already been renewed."))
    if valid_from is None:
        if agreement.valid_to is None:
            raise ValidationError({"valid_from": _("Give the start date of the new period.")})
        valid_from = agreement.valid_to + relativedelta(days=1)
    if valid_to is None and agreement.valid_from and agreement.valid_to:
        # The same length in calendar terms (three years stay three years across leap days).
        span = relativedelta(agreement.valid_to + relativedelta(days=1), agreement.valid_from)
        valid_to = valid_from + span - relativedelta(days=1)
    renewal = validated_save(
        Agreement(renewed_from=agreement),
        AGREEMENT_FIELDS,
        {
            "title": agreement.title,
            "reference": "",
            "purpose": agreement.purpose,
            "goals": agreement.goals,
            "ambition": agreement.ambition,
            "valid_from": valid_from,
            "valid_to": valid_to,
            "notice_period_months": agreement.notice_period_months,
            "review_interval_months": agreement.review_interval_months,
            "assessment_interval_months": agreement.assessment_interval_months,
            "coordinator": agreement.coordinator,
        },
    )
    for party in agreement.parties.prefetch_related("representatives", "anchorings"):
        new_party = Party.objects.create(
            agreement=renewal, organization_id=party.organization_id, role=party.role, contribution=party.contribution
        )
        for rep in party.representatives.all():
            Representative.objects.create(
                agreement=renewal,
                party=new_party,
                person_id=rep.person_id,
                mandate=rep.mandate,
                hours_per_month=rep.hours_per_month,
                is_primary=rep.is_primary,
            )
        for anchoring in party.anchorings.all():
            if anchoring.kind == AnchoringKind.SPONSOR:
                Anchoring.objects.create(
                    agreement=renewal,
                    party=new_party,
                    kind=anchoring.kind,
                    person_id=anchoring.person_id,
                    note=anchoring.note,
                )
    for role in agreement.responsibilities.all():
        Responsibility.objects.create(
            agreement=renewal,
            title=role.title,
            kind=role.kind,
            description=role.description,
            responsible_id=role.responsible_id,
            deputy_id=role.deputy_id,
        )
    return renewal


@dataclass
class HandOverSummary:
    responsibilities: int = 0
    deputyships: int = 0
    representations: int = 0
    sponsorships: int = 0
    coordinator_roles: int = 0
    # Roles left without a deputy because the successor held the other half of the role (and no new
    # deputy was named for them).
    without_deputy: int = 0

    @property
    def total(self) -> int:
        return (
            self.responsibilities + self.deputyships + self.representations + self.sponsorships + self.coordinator_roles
        )


OPEN_STATUSES = (AgreementStatus.DRAFT, AgreementStatus.ACTIVE)


def hand_over_deputy_conflicts(person: Person, successor: Person) -> list[Responsibility]:
    """The roles in draft and active agreements that would lose their deputy in a hand-over from ``person``
    to ``successor``: the successor is the deputy where ``person`` is responsible, or responsible where
    ``person`` is the deputy (one query)."""
    return list(
        Responsibility.objects.filter(agreement__status__in=OPEN_STATUSES)
        .filter(Q(responsible=person, deputy=successor) | Q(deputy=person, responsible=successor))
        .select_related("agreement", "responsible", "deputy")
        .order_by("agreement__title", "title", "pk")
    )
MANDATE_RANK = {Mandate.NONE: 0, Mandate.PREPARE: 1, Mandate.DECIDE: 2}


@transaction.atomic
def person_hand_over(
    *,
    person: Person,
    successor: Person,
    left_on: date | None = None,
    deputies: Mapping[int, Person | None] | None = None,
) -> HandOverSummary:
    """Move every role a leaving person holds in draft and active agreements to ``successor``
    and record the departure. Closed agreements keep their history as it was; every change is in
    the change history with the reason "hand-over".

    Where the successor already holds the other half of a role (is its deputy, or is responsible where
    the leaving person deputised), the successor cannot be both: ``deputies`` names the new deputy of such
    a role by its id (see ``hand_over_deputy_conflicts``); a role without one is left without a deputy and
    counted in ``without_deputy``.
    """
    deputies = deputies or {}
    if successor.pk == person.pk:
        raise ValidationError({"successor": _("The successor must be another person.")})
    if not successor.is_active:
        raise ValidationError({"successor": _("The successor has left and cannot take over roles.")})
    reason = _("Hand-over from %(person)s to %(successor)s") % {"person": person, "successor": successor}
    summary = HandOverSummary()
    errors: list[str] = []

    def move(instance, field: str, counter: str, **extra) -> None:
        setattr(instance, field, successor)
        for name, value in extra.items():
            setattr(instance, name, value)
        try:
            instance.full_clean()
        except ValidationError as exc:
            errors.extend(f"{instance._meta.verbose_name} «{instance}»: {m}" for m in exc.messages)
            return
        instance.save()
        update_change_reason(instance, reason)
        setattr(summary, counter, getattr(summary, counter) + 1)

    open_filter = {"agreement__status__in": OPEN_STATUSES}
    def new_deputy(role) -> Person | None:
        deputy = deputies.get(role.pk)
        if deputy is not None and (deputy.pk in (person.pk, successor.pk) or not deputy.is_active):
            errors.append(
                _("%(role)s: the new deputy must be an active person other than the one leaving and the successor.")
                % {"role": role}
            )
            return None
        if deputy is None:
            summary.without_deputy += 1
        return deputy

    for role in Responsibility.objects.filter(responsible=person, **open_filter).select_related("deputy"):
        # The successor cannot be their own deputy: the deputy named for the role, if any, takes over.
        extra = {"deputy": new_deputy(role)} if role.deputy_id == successor.pk else {}
        move(role, "responsible", "responsibilities", **extra)
    for role in Responsibility.objects.filter(deputy=person, **open_filter):
        if role.responsible_id == successor.pk:
            role.deputy = new_deputy(role)
            try:
                role.full_clean()
            except ValidationError as exc:
                errors.extend(f"{role._meta.verbose_name} «{role}»: {m}" for m in exc.messages)
                continue
            role.save()
            update_change_reason(role, reason)
            summary.deputyships += 1
        else:
            move(role, "deputy", "deputyships")
    for rep in Representative.objects.filter(person=person, **open_filter).select_related("party__organization"):
        twin = Representative.objects.filter(party_id=rep.party_id, person=successor).first()
        if twin is not None:
            # Already a representative of that party: keep that row with the stronger mandate.
            if MANDATE_RANK[rep.mandate] > MANDATE_RANK[twin.mandate] or (rep.is_primary and not twin.is_primary):
                rep_was_primary = rep.is_primary
                twin.mandate = max(rep.mandate, twin.mandate, key=MANDATE_RANK.__getitem__)
                rep.delete()
                twin.is_primary = twin.is_primary or rep_was_primary
                twin.save()
                update_change_reason(twin, reason)
            else:
                rep.delete()
            summary.representations += 1
            continue
        move(rep, "person", "representations")
    for anchoring in Anchoring.objects.filter(person=person, **open_filter).select_related("party__organization"):
        move(anchoring, "person", "sponsorships")
    for agreement in Agreement.objects.filter(coordinator=person, status__in=OPEN_STATUSES):
        move(agreement, "coordinator", "coordinator_roles")
    if errors:
        raise ValidationError(errors)
    if person.left_on is None or left_on is not None:
        person.left_on = left_on or timezone.localdate()
        person.full_clean()
        person.save()
        update_change_reason(person, reason)
    return summary


# --- careers: a person moves to another organisation -------------------------------------------


@dataclass
class MoveSummary:
    employment: Employment
    representations_ended: int = 0
    # Roles in open agreements the person can no longer hold from the new organisation: flagged as
    # departed_person ("has moved") by the next scan until handed over.
    roles_to_hand_over: list = None


def roles_outside(person: Person) -> list:
    """The responsibilities, deputyships and sponsorships in draft and active agreements that ``person`` holds
    but no longer belongs to (their organisation is not, or not below, a party of it)."""
    lineage = organization_lineage(person.organization_id)
    open_filter = {"agreement__status__in": OPEN_STATUSES}
    found = []
    roles = (
        Responsibility.objects.filter(Q(responsible=person) | Q(deputy=person), **open_filter)
        .select_related("agreement")
        .prefetch_related("agreement__parties")
        .order_by("agreement_id", "id")
    )
    for role in roles:
        if not lineage & {party.organization_id for party in role.agreement.parties.all()}:
            found.append(role)
    for anchoring in (
        Anchoring.objects.filter(person=person, **open_filter)
        .select_related("party__organization", "agreement")
        .order_by("id")
    ):
        if anchoring.party.organization_id not in lineage:
            found.append(anchoring)
    return found


def role_display(role) -> str:
    """A role ``roles_outside`` found, as one line: what it is and in which agreement."""
    if isinstance(role, Responsibility):
        return f"{role.title} ({role.agreement})"
    return f"{role.get_kind_display()}: {role.party.organization} ({role.agreement})"


@transaction.atomic
def person_move(*, person: Person, organization: Organization, moved_on: date, title: str = "") -> MoveSummary:
    """``person`` works at ``organization`` from ``moved_on``: the current employment period ends the day before
    and the next one opens; their representations of parties of other organisations in draft and active
    agreements end (the change history keeps them, with the reason). Roles they cannot hold any more stay until
    handed over, and are listed in the summary."""
    person = Person.objects.select_for_update().get(pk=person.pk)
    errors = {}
    if not person.is_active:
        errors["organization"] = _("%(person)s has left and cannot move.") % {"person": person}
    elif organization.pk == person.organization_id:
        errors["organization"] = _("%(person)s already works at %(organization)s.") % {
            "person": person,
            "organization": organization,
        }
    today = timezone.localdate()
    if moved_on > today:
        errors["moved_on"] = _("Record a move on or after the day it happens, not before.")
    current = Employment.objects.select_for_update().filter(person=person, ended_on__isnull=True).first()
    if current is not None and moved_on <= current.started_on:
        errors["moved_on"] = _("The move must come after the current position started (%(date)s).") % {
            "date": current.started_on.isoformat()
        }
    title = (title or "").strip()
    if len(title) > 200:
        errors["title"] = _("Ensure this value has at most 200 characters.")
    if errors:
        raise ValidationError(errors)
    reason = _("Moved to %(organization)s") % {"organization": organization}
    if current is not None:
        current.ended_on = moved_on - timedelta(days=1)
        current.full_clean()
        current.save()
        update_change_reason(current, reason)
    employment = Employment(person=person, organization=organization, title=title, started_on=moved_on)
    employment.full_clean()
    employment.save()
    update_change_reason(employment, reason)
    person.organization = organization
    person.title = title
    person.full_clean()
    person.save()
    update_change_reason(person, reason)
    lineage = organization_lineage(organization.pk)
    summary = MoveSummary(employment=employment, roles_to_hand_over=[])
    for rep in Representative.objects.filter(person=person, agreement__status__in=OPEN_STATUSES).select_related(
        "party"
    ):
        if rep.party.organization_id in lineage:
            continue
        rep._change_reason = reason
        rep.delete()
        summary.representations_ended += 1
    summary.roles_to_hand_over = roles_outside(person)
    return summary


@transaction.atomic
def moved_roles_hand_over(*, person: Person, successor: Person) -> int:
    """Hand the roles a moved person can no longer hold (``roles_outside``) to ``successor``; the person stays
    active and keeps every role they can still hold. Returns how many roles moved."""
    if successor.pk == person.pk:
        raise ValidationError({"successor": _("The successor must be another person.")})
    if not successor.is_active:
        raise ValidationError({"successor": _("The successor has left and cannot take over roles.")})
    reason = _("Hand-over from %(person)s to %(successor)s after a move") % {"person": person, "successor": successor}
    errors, moved = [], 0
    for role in roles_outside(person):
        if isinstance(role, Responsibility):
            if role.responsible_id == person.pk:
                role.responsible = successor
                if role.deputy_id == successor.pk:
                    role.deputy = None
            if role.deputy_id == person.pk:
                role.deputy = None if role.responsible_id == successor.pk else successor
        else:
            role.person = successor
        try:
            role.full_clean()
        except ValidationError as exc:
            errors.extend(f"{role._meta.verbose_name} «{role}»: {message}" for message in exc.messages)
            continue
        role.save()
        update_change_reason(role, reason)
        moved += 1
    if errors:
        raise ValidationError(errors)
    return moved


# --- signed documents ------------------------------------------------------------------------

# A file younger than this is never deleted: an upload is in storage before its transaction commits.
DOCUMENT_UPLOAD_GRACE = timedelta(hours=1)
DOCUMENT_FOLDER = "agreements"


def _stored_documents(storage, folder: str = DOCUMENT_FOLDER) -> Iterator[str]:
    try:
        folders, files = storage.listdir(folder)
    except FileNotFoundError:
        return
    for name in files:
        yield f"{folder}/{name}"
    for sub in folders:
        yield from _stored_documents(storage, f"{folder}/{sub}")


def retired_documents_delete(*, now: datetime | None = None) -> int:
    """Delete from storage the signed documents no agreement holds any more once they have been retired
    (replaced, removed, or their agreement deleted) for ``AGREEMENT_DOCUMENT_RETENTION_DAYS``; returns how many.

    Retired documents stay downloadable by coordinators from the agreement's history until then. A file the
    history never held (left by a failed save) counts from when it was written.
    """
    now = now or timezone.now()
    retention = timedelta(days=max(settings.AGREEMENT_DOCUMENT_RETENTION_DAYS, 0))
    current = selectors.current_documents()
    orphans = [name for name in _stored_documents(default_storage) if name not in current]
    retired_at = selectors.document_retirements(orphans)
    deleted = 0
    for name in orphans:
        written = default_storage.get_modified_time(name)
        if written > now - DOCUMENT_UPLOAD_GRACE or retired_at.get(name, written) > now - retention:
            continue
        if selectors.document_is_current(name):  # restored from the history meanwhile
            continue
        default_storage.delete(name)
        deleted += 1
    return deleted
