from django.core.exceptions import ValidationError
from django.core.validators import FileExtensionValidator, MaxValueValidator, MinValueValidator
from django.db import connections, models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from agreements.choices import (
    PITFALL_QUESTIONS,
    AgreementStatus,
    Ambition,
    AnchoringKind,
    CommitmentStatus,
    ConditionLevel,
    FollowUpStatus,
    InteractionKind,
    Mandate,
    PartyRole,
    PitfallAnswer,
    ResponsibilityKind,
)
from agreements.validators import validate_pdf
from samverkan_project.fields import DESCRIPTION_MAX_LENGTH, NOTE_MAX_LENGTH, BoundedTextField, text_length_constraints
from samverkan_project.validators import (
    name_characters_constraint,
    validate_name_characters,
    validate_plausible_date,
)
from stakeholders.models import Organization, Person


def organization_lineage(organization_id: int | None) -> set[int]:
    """The organisation and all its ancestors (a person in a förvaltning belongs to the kommun too)."""
    lineage: set[int] = set()
    current = organization_id
    while current is not None and current not in lineage:
        lineage.add(current)
        current = Organization.objects.filter(pk=current).values_list("parent_id", flat=True).first()
    return lineage


def person_belongs_to(person: Person | None, organization_id: int | None) -> bool:
    return person is not None and organization_id in organization_lineage(person.organization_id)


def choices_constraint(field: str, choices, name: str) -> models.CheckConstraint:
    return models.CheckConstraint(condition=Q(**{f"{field}__in": choices.values}), name=name)


TERMINATION_REASON_MAX_LENGTH = 2000


COORDINATOR_NEEDED = _("An active agreement needs a coordinator: choose who coordinates it.")


class AgreementQuerySet(models.QuerySet):
    def dates(self, field_name, kind, order="ASC"):
        """The years with agreements (the admin list's date hierarchy) read on PostgreSQL by stepping through the
        date's index a year at a time: as many index probes as there are years, where ``DISTINCT`` would read
        every agreement. Other kinds and databases: Django's."""
        if kind != "year" or order not in ("ASC", "DESC") or connections[self.db].vendor != "postgresql":
            return super().dates(field_name, kind, order)
        field = self.model._meta.get_field(field_name)
        if not isinstance(field, models.DateField) or isinstance(field, models.DateTimeField):
            return super().dates(field_name, kind, order)
        sql, params = self.order_by().values(field_name).query.sql_with_params()
        statement = (
            f"WITH RECURSIVE found(d) AS (SELECT min(v) FROM ({sql}) AS s(v) "
            f"UNION ALL SELECT (SELECT min(v) FROM ({sql}) AS s(v) "
            "WHERE v >= make_date(extract(year FROM found.d)::int + 1, 1, 1)) FROM found WHERE found.d IS NOT NULL) "
            f"SELECT make_date(extract(year FROM d)::int, 1, 1) FROM found WHERE d IS NOT NULL ORDER BY 1 {order}"
        )
        with connections[self.db].cursor() as cursor:
            cursor.execute(statement, [*params, *params])
            return [row[0] for row in cursor.fetchall()]


class Agreement(models.Model):
    title = models.CharField(_("title"), max_length=255, validators=[validate_name_characters])
    reference = models.CharField(
        _("reference"), max_length=100, blank=True, help_text=_("Diarienummer, e.g. KS 2026/123.")
    )
    purpose = BoundedTextField(_("purpose"), max_length=DESCRIPTION_MAX_LENGTH, blank=True)
    goals = BoundedTextField(_("goals"), max_length=DESCRIPTION_MAX_LENGTH, blank=True)
    ambition = models.CharField(
        _("ambition level"), max_length=20, choices=Ambition.choices, default=Ambition.COLLABORATION
    )
    status = models.CharField(
        _("status"), max_length=20, choices=AgreementStatus.choices, default=AgreementStatus.DRAFT, editable=False
    )
    valid_from = models.DateField(_("valid from"), null=True, blank=True, validators=[validate_plausible_date])
    valid_to = models.DateField(_("valid to"), null=True, blank=True, validators=[validate_plausible_date])
    notice_period_months = models.PositiveSmallIntegerField(
        _("notice period (months)"), null=True, blank=True, validators=[MaxValueValidator(60)]
    )
    review_interval_months = models.PositiveSmallIntegerField(
        _("review interval (months)"), default=12, validators=[MinValueValidator(1), MaxValueValidator(60)]
    )
    next_review_on = models.DateField(_("next review"), null=True, blank=True, validators=[validate_plausible_date])
    assessment_interval_months = models.PositiveSmallIntegerField(
        _("assessment interval (months)"), default=12, validators=[MinValueValidator(1), MaxValueValidator(60)]
    )
    coordinator = models.ForeignKey(
        Person,
        verbose_name=_("coordinator"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="coordinated_agreements",
    )
    document = models.FileField(
        _("signed document"),
        upload_to="agreements/%Y/",
        blank=True,
        validators=[FileExtensionValidator(["pdf"]), validate_pdf],
        help_text=_("The signed agreement as a PDF."),
    )
    renewed_from = models.OneToOneField(
        "self",
        verbose_name=_("renewal of"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="renewal",
        editable=False,
    )
    terminated_on = models.DateField(_("terminated on"), null=True, blank=True, editable=False)
    termination_reason = BoundedTextField(
        _("reason for termination"), max_length=TERMINATION_REASON_MAX_LENGTH, blank=True, editable=False
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = AgreementQuerySet.as_manager()
    history = HistoricalRecords(verbose_name=_("historical agreement"))

    class Meta:
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")
        ordering = ["-valid_from", "title", "id"]
        constraints = [
            *text_length_constraints(
                "agreement",
                purpose=DESCRIPTION_MAX_LENGTH,
                goals=DESCRIPTION_MAX_LENGTH,
                termination_reason=TERMINATION_REASON_MAX_LENGTH,
            ),
            name_characters_constraint("title", "agreement_title_no_control_characters"),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_from__isnull=True) | Q(valid_to__gte=F("valid_from")),
                name="agreement_valid_to_not_before_valid_from",
                violation_error_message=_("The end date cannot be before the start date."),
            ),
            choices_constraint("status", AgreementStatus, "agreement_status_valid"),
            choices_constraint("ambition", Ambition, "agreement_ambition_valid"),
            models.CheckConstraint(
                condition=Q(review_interval_months__gte=1) & Q(assessment_interval_months__gte=1),
                name="agreement_intervals_positive",
                violation_error_message=_("Intervals are at least one month."),
            ),
            models.CheckConstraint(
                condition=~Q(status=AgreementStatus.ACTIVE) | Q(valid_from__isnull=False),
                name="agreement_active_has_start",
                violation_error_message=_("An active agreement needs a start date."),
            ),
            models.UniqueConstraint(
                "reference",
                condition=~Q(reference=""),
                name="agreement_unique_reference",
                violation_error_message=_("An agreement with this reference already exists."),
            ),
        ]
        indexes = [
            models.Index(fields=["status", "valid_to"]),
            models.Index(fields=["next_review_on"]),
            # The lists' default ordering, so a page is read from the index, not sorted out of the whole table.
            models.Index(fields=["-valid_from", "title", "id"], name="agreement_list_order"),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.reference})" if self.reference else self.title

    def clean(self) -> None:
        super().clean()
        self.reference = (self.reference or "").strip()
        errors = {}
        if self.valid_from and self.valid_to and self.valid_to < self.valid_from:
            errors["valid_to"] = _("The end date cannot be before the start date.")
        if self.status == AgreementStatus.ACTIVE and self.coordinator_id is None and self._had_coordinator():
            # Activation needs a coordinator (services.agreement_activate); nor can one be taken away after.
            errors["coordinator"] = COORDINATOR_NEEDED
        if errors:
            raise ValidationError(errors)

    def _had_coordinator(self) -> bool:
        return self.pk is not None and Agreement.objects.filter(pk=self.pk, coordinator__isnull=False).exists()

    @property
    def is_review_overdue(self) -> bool:
        return self.next_review_on is not None and self.next_review_on < timezone.localdate()


class Party(models.Model):
    agreement = models.ForeignKey(
        Agreement, verbose_name=_("agreement"), on_delete=models.CASCADE, related_name="parties"
    )
    organization = models.ForeignKey(
        Organization, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="parties"
    )
    role = models.CharField(_("role"), max_length=20, choices=PartyRole.choices, default=PartyRole.PARTNER)
    contribution = BoundedTextField(
        _("contribution"), max_length=NOTE_MAX_LENGTH, blank=True, help_text=_("What the party brings.")
    )

    history = HistoricalRecords(verbose_name=_("historical party"))

    class Meta:
        verbose_name = _("party")
        verbose_name_plural = _("parties")
        ordering = ["agreement_id", "organization__name", "id"]
        constraints = [
            *text_length_constraints("party", contribution=NOTE_MAX_LENGTH),
            models.UniqueConstraint(
                fields=["agreement", "organization"],
                name="party_unique_organization_per_agreement",
                violation_error_message=_("This organisation is already a party to the agreement."),
            ),
            choices_constraint("role", PartyRole, "party_role_valid"),
        ]

    def __str__(self) -> str:
        return str(self.organization)

    def clean(self) -> None:
        super().clean()
        if self.pk is not None and self.agreement_id is not None:
            stored = Party.objects.filter(pk=self.pk).values_list("agreement_id", flat=True).first()
            if stored is not None and stored != self.agreement_id:
                raise ValidationError({"agreement": _("A party cannot be moved to another agreement.")})


class PartyChild(models.Model):
    """A row that belongs to a party; `agreement` mirrors `party.agreement` so it can be an inline."""

    agreement = models.ForeignKey(Agreement, verbose_name=_("agreement"), on_delete=models.CASCADE)
    party = models.ForeignKey(Party, verbose_name=_("party"), on_delete=models.CASCADE)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        self._take_agreement_from_party()
        super().save(*args, **kwargs)

    def full_clean(self, *args, **kwargs):
        self._take_agreement_from_party()
        super().full_clean(*args, **kwargs)

    def clean(self) -> None:
        super().clean()
        if self.party_id is not None and self.party.agreement_id != self.agreement_id:
            raise ValidationError({"party": _("The party belongs to another agreement.")})

    def _take_agreement_from_party(self) -> None:
        if self.agreement_id is None and self.party_id is not None:
            self.agreement_id = self.party.agreement_id


class Representative(PartyChild):
    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="representations"
    )
    mandate = models.CharField(_("mandate"), max_length=10, choices=Mandate.choices, default=Mandate.PREPARE)
    hours_per_month = models.DecimalField(
        _("hours per month"),
        max_digits=5,
        decimal_places=1,
        default=0,
        validators=[MinValueValidator(0), MaxValueValidator(744)],
    )
    is_primary = models.BooleanField(_("primary representative"), default=False)

    history = HistoricalRecords(verbose_name=_("historical representative"))

    class Meta:
        verbose_name = _("representative")
        verbose_name_plural = _("representatives")
        ordering = ["party_id", "-is_primary", "id"]
        indexes = [models.Index(fields=["party", "-is_primary", "id"], name="representative_list_order")]
        default_related_name = "representatives"
        constraints = [
            models.UniqueConstraint(
                fields=["party", "person"],
                name="representative_unique_person_per_party",
                violation_error_message=_("This person already represents the party."),
            ),
            models.UniqueConstraint(
                fields=["party"],
                condition=Q(is_primary=True),
                name="representative_one_primary_per_party",
                violation_error_message=_("The party already has a primary representative."),
            ),
            choices_constraint("mandate", Mandate, "representative_mandate_valid"),
            models.CheckConstraint(
                condition=Q(hours_per_month__gte=0) & Q(hours_per_month__lte=744),
                name="representative_hours_in_range",
                violation_error_message=_("Hours per month are between 0 and 744."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} ({self.get_mandate_display()})"

    def clean(self) -> None:
        super().clean()
        if self.party_id and self.person_id and not person_belongs_to(self.person, self.party.organization_id):
            raise ValidationError(
                {
                    "person": _("A representative must belong to the party's organisation (%(org)s).")
                    % {"org": self.party.organization}
                }
            )


class Responsibility(models.Model):
    agreement = models.ForeignKey(
        Agreement, verbose_name=_("agreement"), on_delete=models.CASCADE, related_name="responsibilities"
    )
    title = models.CharField(_("title"), max_length=200, validators=[validate_name_characters])
    kind = models.CharField(
        _("kind"), max_length=20, choices=ResponsibilityKind.choices, default=ResponsibilityKind.OTHER
    )
    description = BoundedTextField(_("description"), max_length=NOTE_MAX_LENGTH, blank=True)
    responsible = models.ForeignKey(
        Person, verbose_name=_("responsible"), on_delete=models.PROTECT, related_name="responsibilities"
    )
    deputy = models.ForeignKey(
        Person, verbose_name=_("deputy"), on_delete=models.PROTECT, null=True, blank=True, related_name="deputyships"
    )

    history = HistoricalRecords(verbose_name=_("historical responsibility"))

    class Meta:
        verbose_name = _("responsibility")
        verbose_name_plural = _("responsibilities")
        ordering = ["agreement_id", "kind", "title", "id"]
        indexes = [models.Index(fields=["agreement", "kind", "title", "id"], name="responsibility_list_order")]
        constraints = [
            *text_length_constraints("responsibility", description=NOTE_MAX_LENGTH),
            name_characters_constraint("title", "responsibility_title_no_control_characters"),
            models.CheckConstraint(
                condition=Q(deputy__isnull=True) | ~Q(deputy=F("responsible")),
                name="responsibility_deputy_not_responsible",
                violation_error_message=_("The deputy cannot be the responsible person."),
            ),
            choices_constraint("kind", ResponsibilityKind, "responsibility_kind_valid"),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        super().clean()
        if self.deputy_id is not None and self.deputy_id == self.responsible_id:
            raise ValidationError({"deputy": _("The deputy cannot be the responsible person.")})
        if self.agreement_id is None:
            return
        party_orgs = set(Party.objects.filter(agreement_id=self.agreement_id).values_list("organization_id", flat=True))
        errors = {}
        for field in ("responsible", "deputy"):
            person = getattr(self, field) if getattr(self, f"{field}_id") else None
            if person is not None and not (organization_lineage(person.organization_id) & party_orgs):
                errors[field] = _("%(person)s does not belong to any of the agreement's parties.") % {"person": person}
        if errors:
            raise ValidationError(errors)


class Anchoring(PartyChild):
    kind = models.CharField(_("kind"), max_length=10, choices=AnchoringKind.choices)
    body = models.CharField(
        _("decision-making body"), max_length=200, blank=True, help_text=_("E.g. Kommunstyrelsen, the board.")
    )
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    date = models.DateField(_("date"), null=True, blank=True, validators=[validate_plausible_date])
    person = models.ForeignKey(
        Person,
        verbose_name=_("sponsor"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sponsorships",
        help_text=_("For a sponsor: the manager with mandate."),
    )
    note = BoundedTextField(_("note"), max_length=NOTE_MAX_LENGTH, blank=True)

    history = HistoricalRecords(verbose_name=_("historical anchoring"))

    class Meta:
        verbose_name = _("anchoring")
        verbose_name_plural = _("anchorings")
        ordering = ["party_id", "kind", "id"]
        indexes = [models.Index(fields=["party", "kind", "id"], name="anchoring_list_order")]
        default_related_name = "anchorings"
        constraints = [
            *text_length_constraints("anchoring", note=NOTE_MAX_LENGTH),
            choices_constraint("kind", AnchoringKind, "anchoring_kind_valid"),
            models.CheckConstraint(
                condition=~Q(kind=AnchoringKind.SPONSOR) | Q(person__isnull=False),
                name="anchoring_sponsor_has_person",
                violation_error_message=_("A sponsor anchoring names the sponsor."),
            ),
            models.CheckConstraint(
                condition=~Q(kind=AnchoringKind.DECISION) | Q(date__isnull=False),
                name="anchoring_decision_has_date",
                violation_error_message=_("A decision has a date."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.reference or self.body or self.person or ''}".strip()

    def clean(self) -> None:
        super().clean()
        errors = {}
        if self.kind == AnchoringKind.SPONSOR and not self.person_id:
            errors["person"] = _("A sponsor anchoring names the sponsor.")
        if self.kind == AnchoringKind.DECISION and not self.date:
            errors["date"] = _("A decision has a date.")
        if self.person_id and self.party_id and not person_belongs_to(self.person, self.party.organization_id):
            errors["person"] = _("The sponsor must belong to the party's own organisation (%(org)s).") % {
                "org": self.party.organization
            }
        if errors:
            raise ValidationError(errors)


class Commitment(PartyChild):
    description = models.CharField(_("commitment"), max_length=500)
    due_on = models.DateField(_("due"), null=True, blank=True, validators=[validate_plausible_date])
    status = models.CharField(
        _("status"), max_length=20, choices=CommitmentStatus.choices, default=CommitmentStatus.PLANNED
    )
    responsible = models.ForeignKey(
        Person,
        verbose_name=_("responsible"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="commitments",
        help_text=_("Who sees to it that the commitment is kept; reminded weekly when it is due or overdue."),
    )

    history = HistoricalRecords(verbose_name=_("historical commitment"))

    class Meta:
        verbose_name = _("commitment")
        verbose_name_plural = _("commitments")
        ordering = ["party_id", "due_on", "id"]
        indexes = [models.Index(fields=["party", "due_on", "id"], name="commitment_list_order")]
        default_related_name = "commitments"
        constraints = [choices_constraint("status", CommitmentStatus, "commitment_status_valid")]

    def __str__(self) -> str:
        return self.description


INTERACTION_TITLE_MAX_LENGTH = 255


class Interaction(models.Model):
    """A meeting, call, e-mail or other contact with stakeholders: the dialogue log (dated in the future: planned)."""

    kind = models.CharField(_("kind"), max_length=20, choices=InteractionKind.choices, default=InteractionKind.MEETING)
    date = models.DateField(_("date"), validators=[validate_plausible_date])
    title = models.CharField(
        _("title"), max_length=INTERACTION_TITLE_MAX_LENGTH, validators=[validate_name_characters]
    )
    notes = BoundedTextField(_("notes"), max_length=DESCRIPTION_MAX_LENGTH, blank=True)
    decisions = BoundedTextField(
        _("decisions"), max_length=NOTE_MAX_LENGTH, blank=True, help_text=_("What was decided or agreed.")
    )
    organizations = models.ManyToManyField(
        Organization, verbose_name=_("organisations"), related_name="interactions", blank=True
    )
    participants = models.ManyToManyField(
        Person, verbose_name=_("participants"), related_name="interactions", blank=True
    )
    agreement = models.ForeignKey(
        Agreement,
        verbose_name=_("agreement"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="interactions",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    history = HistoricalRecords(
        verbose_name=_("historical interaction"), m2m_fields=[organizations, participants]
    )

    class Meta:
        verbose_name = _("interaction")
        verbose_name_plural = _("interactions")
        ordering = ["-date", "-id"]
        constraints = [
            *text_length_constraints("interaction", notes=DESCRIPTION_MAX_LENGTH, decisions=NOTE_MAX_LENGTH),
            name_characters_constraint("title", "interaction_title_no_control_characters"),
            models.CheckConstraint(
                condition=~Q(title=""),
                name="interaction_title_not_blank",
                violation_error_message=_("An interaction needs a title."),
            ),
            choices_constraint("kind", InteractionKind, "interaction_kind_valid"),
        ]
        indexes = [models.Index(fields=["agreement", "date"]), models.Index(fields=["date"])]

    def __str__(self) -> str:
        return f"{self.date.isoformat() if self.date else ''} {self.title}".strip()

    def clean_fields(self, exclude=None) -> None:
        self.title = (self.title or "").strip()
        super().clean_fields(exclude=exclude)


class FollowUp(models.Model):
    """Something to do after a contact: who, by when, and whether it is done."""

    description = models.CharField(_("follow-up"), max_length=500, validators=[validate_name_characters])
    responsible = models.ForeignKey(
        Person, verbose_name=_("responsible"), on_delete=models.PROTECT, related_name="follow_ups"
    )
    due_on = models.DateField(_("due"), validators=[validate_plausible_date])
    status = models.CharField(_("status"), max_length=20, choices=FollowUpStatus.choices, default=FollowUpStatus.OPEN)
    interaction = models.ForeignKey(
        Interaction,
        verbose_name=_("interaction"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="follow_ups",
    )
    agreement = models.ForeignKey(
        Agreement,
        verbose_name=_("agreement"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="follow_ups",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    history = HistoricalRecords(verbose_name=_("historical follow-up"))

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        ordering = ["due_on", "id"]
        constraints = [
            choices_constraint("status", FollowUpStatus, "followup_status_valid"),
            name_characters_constraint("description", "followup_description_no_control_characters"),
            models.CheckConstraint(
                condition=~Q(description=""),
                name="followup_description_not_blank",
                violation_error_message=_("A follow-up needs a description."),
            ),
        ]
        indexes = [
            models.Index(fields=["responsible", "status", "due_on"]),
            models.Index(fields=["agreement", "status"]),
        ]

    def __str__(self) -> str:
        return self.description

    def clean_fields(self, exclude=None) -> None:
        self.description = (self.description or "").strip()
        super().clean_fields(exclude=exclude)

    def clean(self) -> None:
        super().clean()
        # A follow-up of an interaction about an agreement is about that agreement too.
        if self.interaction_id is not None and self.agreement_id is None and self.interaction.agreement_id:
            self.agreement_id = self.interaction.agreement_id


def _level_field(verbose_name):
    return models.CharField(verbose_name, max_length=10, choices=ConditionLevel.choices, blank=True)


def _pitfall_field(question: str):
    return models.CharField(
        PITFALL_QUESTIONS[question], max_length=10, choices=PitfallAnswer.choices, blank=True
    )


def _pitfall_note(question: str):
    return BoundedTextField(_("note"), max_length=NOTE_MAX_LENGTH, blank=True)


def _blank_or_choice(field: str, choices, name: str) -> models.CheckConstraint:
    return models.CheckConstraint(condition=Q(**{field: ""}) | Q(**{f"{field}__in": choices.values}), name=name)


class StartingConditions(models.Model):
    """The agreement's starting conditions (001, after Ansell & Gash): asymmetries in power, resources and
    knowledge, prior trust and conflicts, and the six questions of "Fällor och fallgropar". The parties'
    own incentives and constraints are PartyConditions rows. A blank level or answer is not assessed yet."""

    agreement = models.OneToOneField(
        Agreement, verbose_name=_("agreement"), on_delete=models.CASCADE, related_name="starting_conditions"
    )
    power_asymmetry = _level_field(_("asymmetry in power"))
    power_asymmetry_note = BoundedTextField(_("note on power"), max_length=NOTE_MAX_LENGTH, blank=True)
    resource_asymmetry = _level_field(_("asymmetry in resources"))
    resource_asymmetry_note = BoundedTextField(_("note on resources"), max_length=NOTE_MAX_LENGTH, blank=True)
    knowledge_asymmetry = _level_field(_("asymmetry in knowledge"))
    knowledge_asymmetry_note = BoundedTextField(_("note on knowledge"), max_length=NOTE_MAX_LENGTH, blank=True)
    prior_trust = _level_field(_("prior trust"))
    prior_trust_note = BoundedTextField(_("note on trust"), max_length=NOTE_MAX_LENGTH, blank=True)
    conflict_history = BoundedTextField(
        _("history of conflict"),
        max_length=NOTE_MAX_LENGTH,
        blank=True,
        help_text=_("Earlier conflicts or cooperation between the parties that colour this one."),
    )
    pitfall_is_collaboration = _pitfall_field("is_collaboration")
    pitfall_is_collaboration_note = _pitfall_note("is_collaboration")
    pitfall_right_means = _pitfall_field("right_means")
    pitfall_right_means_note = _pitfall_note("right_means")
    pitfall_resources = _pitfall_field("resources")
    pitfall_resources_note = _pitfall_note("resources")
    pitfall_honest_ambition = _pitfall_field("honest_ambition")
    pitfall_honest_ambition_note = _pitfall_note("honest_ambition")
    pitfall_mandate = _pitfall_field("mandate")
    pitfall_mandate_note = _pitfall_note("mandate")
    pitfall_results = _pitfall_field("results")
    pitfall_results_note = _pitfall_note("results")
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    history = HistoricalRecords(verbose_name=_("historical starting conditions"))

    LEVEL_FIELDS = ("power_asymmetry", "resource_asymmetry", "knowledge_asymmetry", "prior_trust")

    class Meta:
        verbose_name = _("starting conditions")
        verbose_name_plural = _("starting conditions")
        constraints = [
            *text_length_constraints(
                "startingconditions",
                power_asymmetry_note=NOTE_MAX_LENGTH,
                resource_asymmetry_note=NOTE_MAX_LENGTH,
                knowledge_asymmetry_note=NOTE_MAX_LENGTH,
                prior_trust_note=NOTE_MAX_LENGTH,
                conflict_history=NOTE_MAX_LENGTH,
                **{f"pitfall_{code}_note": NOTE_MAX_LENGTH for code in PITFALL_QUESTIONS},
            ),
            *(
                _blank_or_choice(field, ConditionLevel, f"startingconditions_{field}_valid")
                for field in ("power_asymmetry", "resource_asymmetry", "knowledge_asymmetry", "prior_trust")
            ),
            *(
                _blank_or_choice(f"pitfall_{code}", PitfallAnswer, f"startingconditions_pitfall_{code}_valid")
                for code in PITFALL_QUESTIONS
            ),
        ]

    def __str__(self) -> str:
        return str(_("Starting conditions of %(agreement)s") % {"agreement": self.agreement})

    @property
    def pitfalls_answered(self) -> bool:
        return all(getattr(self, f"pitfall_{code}") for code in PITFALL_QUESTIONS)


class PartyConditions(PartyChild):
    """One party's own incentives and constraints for taking part in *this* agreement (002: parties from
    different sectors bring different conditions)."""

    incentives = BoundedTextField(
        _("incentives"),
        max_length=NOTE_MAX_LENGTH,
        blank=True,
        help_text=_("What the party gains from taking part in this agreement."),
    )
    constraints = BoundedTextField(
        _("constraints"),
        max_length=NOTE_MAX_LENGTH,
        blank=True,
        help_text=_("What limits the party here: pace of decisions, profitability, unpaid volunteers…"),
    )

    history = HistoricalRecords(verbose_name=_("historical party conditions"))

    class Meta:
        verbose_name = _("party's incentives and constraints")
        verbose_name_plural = _("parties' incentives and constraints")
        ordering = ["party_id"]
        default_related_name = "conditions"
        constraints = [
            *text_length_constraints("partyconditions", incentives=NOTE_MAX_LENGTH, constraints=NOTE_MAX_LENGTH),
            models.UniqueConstraint(
                fields=["party"],
                name="partyconditions_one_per_party",
                violation_error_message=_("The party's incentives and constraints are already recorded."),
            ),
        ]

    def __str__(self) -> str:
        return str(self.party)

    @property
    def is_recorded(self) -> bool:
        return bool(self.incentives.strip() or self.constraints.strip())
