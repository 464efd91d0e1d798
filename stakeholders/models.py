from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from samverkan_project.fields import NOTE_MAX_LENGTH, BoundedTextField, text_length_constraints
from samverkan_project.validators import (
    name_characters_constraint,
    validate_name_characters,
    validate_plausible_date,
)
from stakeholders.choices import SECTOR_GROUPS, Language, Quadrant, SalienceType, Sector
from stakeholders.validators import ORG_NUMBER_FORMAT, PHONE_FORMAT, normalize_org_number, normalize_phone

SCALE_MIN, SCALE_MAX = 1, 5
SCALE_VALIDATORS = [MinValueValidator(SCALE_MIN), MaxValueValidator(SCALE_MAX)]


def scale_field(verbose_name, help_text):
    return models.PositiveSmallIntegerField(verbose_name, default=3, validators=SCALE_VALIDATORS, help_text=help_text)


def scale_constraint(field: str, model: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(**{f"{field}__gte": SCALE_MIN, f"{field}__lte": SCALE_MAX}),
        name=f"{model}_{field}_1_to_5",
        violation_error_message=_("Power, interest and resource level are on a scale from 1 to 5."),
    )


class Organization(models.Model):
    name = models.CharField(_("name"), max_length=200, validators=[validate_name_characters])
    org_number = models.CharField(
        _("organisation number"),
        max_length=11,
        unique=True,
        null=True,
        blank=True,
        help_text=_("Swedish organisationsnummer, NNNNNN-NNNN."),
    )
    sector = models.CharField(_("sector"), max_length=20, choices=Sector.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        help_text=_("E.g. the municipality a förvaltning belongs to."),
    )
    power = scale_field(_("power"), _("Formal and informal power over the collaboration, 1–5."))
    interest = scale_field(_("interest"), _("Interest in the collaboration's outcome, 1–5."))
    legitimacy = scale_field(
        _("legitimacy"), _("How rightful the actor's claim on the collaboration is seen to be, 1–5.")
    )
    urgency = scale_field(_("urgency"), _("How pressing and time-critical the actor's claims are, 1–5."))
    resource_level = scale_field(
        _("resource level"), _("Resources the actor can bring (money, staff, knowledge), 1–5.")
    )
    resources = BoundedTextField(
        _("resources"), max_length=NOTE_MAX_LENGTH, blank=True, help_text=_("What the actor can bring.")
    )
    drivers = BoundedTextField(
        _("drivers"), max_length=NOTE_MAX_LENGTH, blank=True, help_text=_("What motivates the actor.")
    )
    constraints = BoundedTextField(
        _("constraints"), max_length=NOTE_MAX_LENGTH, blank=True, help_text=_("What holds the actor back.")
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    history = HistoricalRecords(verbose_name=_("historical organisation"))

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name", "id"]
        constraints = [
            *text_length_constraints(
                "organization", resources=NOTE_MAX_LENGTH, drivers=NOTE_MAX_LENGTH, constraints=NOTE_MAX_LENGTH
            ),
            scale_constraint("power", "organization"),
            scale_constraint("interest", "organization"),
            scale_constraint("legitimacy", "organization"),
            scale_constraint("urgency", "organization"),
            scale_constraint("resource_level", "organization"),
            models.CheckConstraint(
                condition=Q(sector__in=Sector.values),
                name="organization_sector_valid",
                violation_error_message=_("Unknown sector."),
            ),
            models.CheckConstraint(
                condition=Q(org_number__isnull=True) | Q(org_number__regex=ORG_NUMBER_FORMAT),
                name="organization_org_number_format",
                violation_error_message=_("An organisation number is written NNNNNN-NNNN."),
            ),
            name_characters_constraint("name", "organization_name_no_control_characters"),
            models.CheckConstraint(
                condition=~Q(name=""),
                name="organization_name_not_blank",
                violation_error_message=_("An organisation needs a name."),
            ),
            models.CheckConstraint(
                condition=~Q(parent=models.F("pk")),
                name="organization_not_own_parent",
                violation_error_message=_("An organisation cannot be its own parent."),
            ),
            models.UniqueConstraint(
                Lower("name"),
                "parent",
                name="organization_unique_name_per_parent",
                violation_error_message=_("An organisation with this name already exists under this parent."),
            ),
            models.UniqueConstraint(
                Lower("name"),
                condition=Q(parent__isnull=True),
                name="organization_unique_top_level_name",
                violation_error_message=_("A top-level organisation with this name already exists."),
            ),
        ]
        indexes = [
            models.Index(fields=["sector"]),
            models.Index(fields=["power", "interest"]),
            models.Index(fields=["name", "id"], name="organization_list_order"),
        ]

    def __str__(self) -> str:
        return self.name

    def clean_fields(self, exclude=None) -> None:
        # Normalise before the field checks, so "16 556012-5790" is not refused for its length.
        self.name = (self.name or "").strip()
        if self.org_number:
            try:
                self.org_number = normalize_org_number(self.org_number)
            except ValidationError as exc:
                raise ValidationError({"org_number": exc.messages}) from exc
        else:
            self.org_number = None
        super().clean_fields(exclude=exclude)

    def clean(self) -> None:
        super().clean()
        if self.parent_id is not None:
            self._check_parent_chain()

    def _check_parent_chain(self) -> None:
        """Refuse a parent that is this organisation or one of its descendants."""
        if self.pk is not None and self.parent_id == self.pk:
            raise ValidationError({"parent": _("An organisation cannot be its own parent.")})
        seen = set()
        ancestor_id = self.parent_id
        parents = dict(Organization.objects.values_list("pk", "parent_id"))
        while ancestor_id is not None and ancestor_id not in seen:
            if self.pk is not None and ancestor_id == self.pk:
                raise ValidationError(
                    {"parent": _("The parent would create a cycle: it lies below this organisation.")}
                )
            seen.add(ancestor_id)
            ancestor_id = parents.get(ancestor_id)

    @property
    def sector_group(self) -> str:
        return SECTOR_GROUPS[Sector(self.sector)]

    def quadrant(self, high_from: int | None = None) -> Quadrant:
        threshold = high_from if high_from is not None else settings.STAKEHOLDER_GRID_HIGH_FROM
        return quadrant_for(self.power, self.interest, threshold)

    def salience_type(self, high_from: int | None = None) -> SalienceType:
        threshold = high_from if high_from is not None else settings.STAKEHOLDER_GRID_HIGH_FROM
        return salience_type_for(self.power, self.legitimacy, self.urgency, threshold)


def quadrant_for(power: int, interest: int, high_from: int) -> Quadrant:
    high_power, high_interest = power >= high_from, interest >= high_from
    if high_power and high_interest:
        return Quadrant.MANAGE_CLOSELY
    if high_power:
        return Quadrant.KEEP_SATISFIED
    if high_interest:
        return Quadrant.KEEP_INFORMED
    return Quadrant.MONITOR


_SALIENCE_TYPES = {
    # (power, legitimacy, urgency) present → type (Mitchell, Agle & Wood 1997)
    (False, False, False): SalienceType.NONE,
    (True, False, False): SalienceType.DORMANT,
    (False, True, False): SalienceType.DISCRETIONARY,
    (False, False, True): SalienceType.DEMANDING,
    (True, True, False): SalienceType.DOMINANT,
    (True, False, True): SalienceType.DANGEROUS,
    (False, True, True): SalienceType.DEPENDENT,
    (True, True, True): SalienceType.DEFINITIVE,
}


def salience_type_for(power: int, legitimacy: int, urgency: int, high_from: int) -> SalienceType:
    """The stakeholder's salience type; an attribute counts as present from ``high_from`` on."""
    return _SALIENCE_TYPES[(power >= high_from, legitimacy >= high_from, urgency >= high_from)]


class PersonQuerySet(models.QuerySet):
    def active(self, on=None):
        day = on or timezone.localdate()
        return self.filter(Q(left_on__isnull=True) | Q(left_on__gt=day))

    def departed(self, on=None):
        day = on or timezone.localdate()
        return self.filter(left_on__lte=day)


class Person(models.Model):
    first_name = models.CharField(_("first name"), max_length=100, validators=[validate_name_characters])
    last_name = models.CharField(_("last name"), max_length=100, validators=[validate_name_characters])
    email = models.EmailField(_("e-mail"), blank=True)
    # Stored as E.164 (+46701740605); any common spelling is accepted and normalised (clean_fields).
    phone = models.CharField(
        _("phone"),
        max_length=40,
        blank=True,
        help_text=_("A number without a country code is Swedish; stored as +46701234567."),
    )
    organization = models.ForeignKey(
        Organization, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="people"
    )
    title = models.CharField(_("title"), max_length=200, blank=True)
    language = models.CharField(_("language"), max_length=2, choices=Language.choices, default=Language.SWEDISH)
    left_on = models.DateField(
        _("left on"),
        null=True,
        blank=True,
        validators=[validate_plausible_date],
        help_text=_("The day the person left; empty while active."),
    )
    reminders_opt_out = models.BooleanField(
        _("no reminders"),
        default=False,
        help_text=_("Send no weekly reminder of the commitments and follow-ups this person is responsible for."),
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("login"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="person",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    history = HistoricalRecords(verbose_name=_("historical person"))
    objects = PersonQuerySet.as_manager()

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["last_name", "first_name", "id"]
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                condition=~Q(email=""),
                name="person_unique_email",
                violation_error_message=_("A person with this e-mail address already exists."),
            ),
            models.CheckConstraint(
                condition=Q(language__in=Language.values),
                name="person_language_valid",
                violation_error_message=_("Unknown language."),
            ),
            models.CheckConstraint(
                condition=~Q(first_name="") & ~Q(last_name=""),
                name="person_name_not_blank",
                violation_error_message=_("A person needs a first and a last name."),
            ),
            name_characters_constraint("first_name", "person_first_name_no_control_characters"),
            name_characters_constraint("last_name", "person_last_name_no_control_characters"),
            models.CheckConstraint(
                condition=Q(phone="") | Q(phone__regex=PHONE_FORMAT),
                name="person_phone_format",
                violation_error_message=_("A phone number is stored as + and digits (E.164)."),
            ),
        ]
        indexes = [
            models.Index(fields=["left_on"]),
            models.Index(fields=["last_name", "first_name", "id"], name="person_list_order"),
        ]

    def __str__(self) -> str:
        return self.full_name

    def save(self, *args, **kwargs):
        creating = self._state.adding
        super().save(*args, **kwargs)
        if creating:
            Employment.objects.create(
                person=self, organization_id=self.organization_id, title=self.title, started_on=timezone.localdate()
            )
        else:
            # An edit of the organisation or title corrects the current period; a move opens a new one.
            Employment.objects.filter(person=self, ended_on__isnull=True).exclude(
                organization_id=self.organization_id, title=self.title
            ).update(organization_id=self.organization_id, title=self.title)

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def is_active(self) -> bool:
        return self.left_on is None or self.left_on > timezone.localdate()

    def clean_fields(self, exclude=None) -> None:
        self.first_name = (self.first_name or "").strip()
        self.last_name = (self.last_name or "").strip()
        self.email = (self.email or "").strip().lower()
        errors = {}
        exclude = set(exclude or ())
        if self.phone and "phone" not in exclude:
            try:
                self.phone = normalize_phone(self.phone)
            except ValidationError as exc:
                errors["phone"] = exc.messages
                exclude.add("phone")
        try:
            super().clean_fields(exclude=exclude)
        except ValidationError as exc:
            errors.update(exc.message_dict)
        if errors:
            raise ValidationError(errors)


class Employment(models.Model):
    """A period of a person's career: where they worked, as what, from when until when (open while current).

    ``Person.organization`` and ``Person.title`` are the current period's; a move closes it and opens the next
    (agreements.services.person_move), so whom a person represented stays readable in the history."""

    person = models.ForeignKey(Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="employments")
    organization = models.ForeignKey(
        Organization, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="employments"
    )
    title = models.CharField(_("title"), max_length=200, blank=True)
    started_on = models.DateField(_("started on"), validators=[validate_plausible_date])
    ended_on = models.DateField(
        _("ended on"),
        null=True,
        blank=True,
        validators=[validate_plausible_date],
        help_text=_("Empty while this is the person's current position."),
    )

    history = HistoricalRecords(verbose_name=_("historical employment"))

    class Meta:
        verbose_name = _("employment")
        verbose_name_plural = _("employments")
        ordering = ["person_id", "started_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("started_on")),
                name="employment_ends_after_start",
                violation_error_message=_("A period cannot end before it starts."),
            ),
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(ended_on__isnull=True),
                name="employment_one_current_per_person",
                violation_error_message=_("The person already has a current position."),
            ),
        ]
        indexes = [models.Index(fields=["organization", "started_on"])]

    def __str__(self) -> str:
        end = self.ended_on.isoformat() if self.ended_on else "…"
        return f"{self.organization} ({self.started_on.isoformat()}–{end})"

    def clean(self) -> None:
        super().clean()
        if self.started_on and self.ended_on and self.ended_on < self.started_on:
            raise ValidationError({"ended_on": _("A period cannot end before it starts.")})


class CalendarFeed(models.Model):
    """A login's personal calendar feed (/calendar/<secret>.ics): only a digest of the secret is stored, so the
    URL is shown once, when it is made; deleting the row revokes it."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="calendar_feed"
    )
    digest = models.CharField(_("digest of the secret"), max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")
        ordering = ["user_id"]

    def __str__(self) -> str:
        return str(self.user)
