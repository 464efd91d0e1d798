from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from agreements.models import Agreement, Party, choices_constraint
from assessments.choices import ItemKind, RoundStatus
from samverkan_project.fields import DESCRIPTION_MAX_LENGTH, NOTE_MAX_LENGTH, BoundedTextField, text_length_constraints
from samverkan_project.validators import validate_plausible_date
from stakeholders.choices import Language
from stakeholders.models import Person

# --- Assessments: instruments, rounds, respondents, answers ---------------------------------------


def localized(obj, field: str, language: str | None = None) -> str:
    """``obj.<field>_<language>``, falling back to the Swedish text when there is no translation."""
    language = (language or translation.get_language() or "sv")[:2]
    text = getattr(obj, f"{field}_{language}", "") if language in ("sv", "en") else ""
    return text or getattr(obj, f"{field}_sv", "")


class Instrument(models.Model):
    """A questionnaire. Versions share a ``code``; a version that has answers is never edited."""

    code = models.SlugField(_("code"), max_length=50, help_text=_("Shared by all versions of the instrument."))
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    name_sv = models.CharField(_("name (Swedish)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    description_sv = BoundedTextField(_("description (Swedish)"), max_length=DESCRIPTION_MAX_LENGTH, blank=True)
    description_en = BoundedTextField(_("description (English)"), max_length=DESCRIPTION_MAX_LENGTH, blank=True)
    scale_min = models.SmallIntegerField(_("lowest value"), default=1)
    scale_max = models.SmallIntegerField(_("highest value"), default=5)
    scale_min_label_sv = models.CharField(_("meaning of the lowest value (Swedish)"), max_length=100, blank=True)
    scale_min_label_en = models.CharField(_("meaning of the lowest value (English)"), max_length=100, blank=True)
    scale_max_label_sv = models.CharField(_("meaning of the highest value (Swedish)"), max_length=100, blank=True)
    scale_max_label_en = models.CharField(_("meaning of the highest value (English)"), max_length=100, blank=True)
    is_active = models.BooleanField(
        _("offered for new rounds"), default=True, help_text=_("Older versions are kept for their results.")
    )
    is_builtin = models.BooleanField(_("shipped with Samverkan"), default=False, editable=False)
    pairwise = models.BooleanField(
        _("pairwise"),
        default=False,
        editable=False,
        help_text=_("Each respondent rates each other party of the agreement on the scale (Levels of Collaboration)."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    history = HistoricalRecords(verbose_name=_("historical instrument"))

    class Meta:
        verbose_name = _("instrument")
        verbose_name_plural = _("instruments")
        ordering = ["code", "-version"]
        constraints = [
            *text_length_constraints(
                "instrument", description_sv=DESCRIPTION_MAX_LENGTH, description_en=DESCRIPTION_MAX_LENGTH
            ),
            models.UniqueConstraint(
                fields=["code", "version"],
                name="instrument_unique_version",
                violation_error_message=_("This version of the instrument already exists."),
            ),
            models.CheckConstraint(
                condition=Q(scale_min__lt=F("scale_max"))
                & Q(scale_min__gte=-100)
                & Q(scale_max__lte=100)
                & Q(scale_max__lte=F("scale_min") + 20),
                name="instrument_scale_valid",
                violation_error_message=_("The scale must go from a lower to a higher value, at most 20 steps."),
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="instrument_version_positive"),
        ]

    def __str__(self) -> str:
        return _("%(name)s (version %(version)s)") % {"name": self.name, "version": self.version}

    @property
    def name(self) -> str:
        return localized(self, "name")

    @property
    def description(self) -> str:
        return localized(self, "description")

    @property
    def scale(self) -> range:
        return range(self.scale_min, self.scale_max + 1)

    def has_answers(self) -> bool:
        return Answer.objects.filter(item__instrument=self).exists()


class InstrumentSection(models.Model):
    """A block of items (Startförhållanden, …) with its own sum in the results."""

    instrument = models.ForeignKey(
        Instrument, verbose_name=_("instrument"), on_delete=models.CASCADE, related_name="sections"
    )
    position = models.PositiveSmallIntegerField(_("position"), default=1)
    title_sv = models.CharField(_("title (Swedish)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    description_sv = BoundedTextField(_("introduction (Swedish)"), max_length=DESCRIPTION_MAX_LENGTH, blank=True)
    description_en = BoundedTextField(_("introduction (English)"), max_length=DESCRIPTION_MAX_LENGTH, blank=True)
    history = HistoricalRecords(verbose_name=_("historical section"))

    class Meta:
        verbose_name = _("section")
        verbose_name_plural = _("sections")
        ordering = ["instrument", "position", "id"]
        constraints = [
            *text_length_constraints(
                "section", description_sv=DESCRIPTION_MAX_LENGTH, description_en=DESCRIPTION_MAX_LENGTH
            ),
            models.UniqueConstraint(
                fields=["instrument", "position"],
                name="section_unique_position",
                violation_error_message=_("Two sections of an instrument cannot have the same position."),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def title(self) -> str:
        return localized(self, "title")

    @property
    def description(self) -> str:
        return localized(self, "description")


class Item(models.Model):
    """A statement or question. Scale items are scored and required; text items are open reflections."""

    instrument = models.ForeignKey(
        Instrument, verbose_name=_("instrument"), on_delete=models.CASCADE, related_name="items"
    )
    section = models.ForeignKey(
        InstrumentSection, verbose_name=_("section"), on_delete=models.CASCADE, related_name="items"
    )
    position = models.PositiveSmallIntegerField(_("position"), default=1)
    kind = models.CharField(_("kind"), max_length=10, choices=ItemKind.choices, default=ItemKind.SCALE)
    label_sv = models.CharField(
        _("short name (Swedish)"), max_length=100, blank=True, help_text=_("E.g. the dimension: Dialog, Tillit.")
    )
    label_en = models.CharField(_("short name (English)"), max_length=100, blank=True)
    text_sv = BoundedTextField(_("question (Swedish)"), max_length=NOTE_MAX_LENGTH)
    text_en = BoundedTextField(_("question (English)"), max_length=NOTE_MAX_LENGTH, blank=True)
    history = HistoricalRecords(verbose_name=_("historical item"))

    class Meta:
        verbose_name = _("item")
        verbose_name_plural = _("items")
        ordering = ["instrument", "position", "id"]
        constraints = [
            *text_length_constraints("item", text_sv=NOTE_MAX_LENGTH, text_en=NOTE_MAX_LENGTH),
            models.UniqueConstraint(
                fields=["instrument", "position"],
                name="item_unique_position",
                violation_error_message=_("Two items of an instrument cannot have the same position."),
            ),
            choices_constraint("kind", ItemKind, "item_kind_valid"),
        ]

    def __str__(self) -> str:
        return self.label or f"{self.position}. {self.text}"

    @property
    def label(self) -> str:
        return localized(self, "label")

    @property
    def text(self) -> str:
        return localized(self, "text")

    @property
    def is_scored(self) -> bool:
        return self.kind == ItemKind.SCALE

    def clean(self) -> None:
        super().clean()
        if self.section_id and self.instrument_id and self.section.instrument_id != self.instrument_id:
            raise ValidationError({"section": _("The section belongs to another instrument.")})


class Band(models.Model):
    """A range of the total score with its reading and advice (the lowest band first)."""

    instrument = models.ForeignKey(
        Instrument, verbose_name=_("instrument"), on_delete=models.CASCADE, related_name="bands"
    )
    min_total = models.SmallIntegerField(_("from (points)"))
    max_total = models.SmallIntegerField(_("to (points)"))
    label_sv = models.CharField(_("reading (Swedish)"), max_length=200)
    label_en = models.CharField(_("reading (English)"), max_length=200, blank=True)
    advice_sv = BoundedTextField(_("advice (Swedish)"), max_length=DESCRIPTION_MAX_LENGTH, blank=True)
    advice_en = BoundedTextField(_("advice (English)"), max_length=DESCRIPTION_MAX_LENGTH, blank=True)
    history = HistoricalRecords(verbose_name=_("historical result band"))

    class Meta:
        verbose_name = _("result band")
        verbose_name_plural = _("result bands")
        ordering = ["instrument", "min_total", "id"]
        constraints = [
            *text_length_constraints("band", advice_sv=DESCRIPTION_MAX_LENGTH, advice_en=DESCRIPTION_MAX_LENGTH),
            models.CheckConstraint(
                condition=Q(min_total__lte=F("max_total")),
                name="band_range_in_order",
                violation_error_message=_("A band's lower limit cannot be above its upper limit."),
            ),
            models.UniqueConstraint(
                fields=["instrument", "min_total"],
                name="band_unique_start",
                violation_error_message=_("Two bands cannot start at the same score."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.min_total}–{self.max_total}: {self.label}"

    @property
    def label(self) -> str:
        return localized(self, "label")

    @property
    def advice(self) -> str:
        return localized(self, "advice")


class AssessmentRound(models.Model):
    """One assessment of an agreement with an instrument, open for answers between two dates."""

    agreement = models.ForeignKey(
        Agreement, verbose_name=_("agreement"), on_delete=models.PROTECT, related_name="assessment_rounds"
    )
    instrument = models.ForeignKey(
        Instrument, verbose_name=_("instrument"), on_delete=models.PROTECT, related_name="rounds"
    )
    opens_on = models.DateField(_("opens"), validators=[validate_plausible_date])
    closes_on = models.DateField(_("closes"), validators=[validate_plausible_date])
    status = models.CharField(
        _("status"), max_length=10, choices=RoundStatus.choices, default=RoundStatus.SCHEDULED, editable=False
    )
    opened_at = models.DateTimeField(_("opened"), null=True, blank=True, editable=False)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True, editable=False)
    created_automatically = models.BooleanField(_("opened by the schedule"), default=False, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    history = HistoricalRecords(verbose_name=_("historical assessment round"))

    class Meta:
        verbose_name = _("assessment round")
        verbose_name_plural = _("assessment rounds")
        ordering = ["-opens_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_on__gte=F("opens_on")),
                name="round_closes_after_opening",
                violation_error_message=_("A round cannot close before it opens."),
            ),
            choices_constraint("status", RoundStatus, "round_status_valid"),
            models.CheckConstraint(
                condition=~Q(status=RoundStatus.CLOSED) | Q(closed_at__isnull=False), name="round_closed_has_time"
            ),
        ]
        indexes = [
            models.Index(fields=["agreement", "instrument", "closes_on"]),
            models.Index(fields=["status"]),
            models.Index(fields=["-opens_on", "-id"], name="round_list_order"),
        ]

    def __str__(self) -> str:
        return _("%(instrument)s for %(agreement)s, %(opens)s–%(closes)s") % {
            "instrument": self.instrument.name,
            "agreement": self.agreement,
            "opens": self.opens_on,
            "closes": self.closes_on,
        }

    def clean(self) -> None:
        super().clean()
        if self.opens_on and self.closes_on and self.closes_on < self.opens_on:
            raise ValidationError({"closes_on": _("A round cannot close before it opens.")})

    def accepts_answers(self, today=None) -> bool:
        today = today or timezone.localdate()
        return self.status == RoundStatus.OPEN and self.opens_on <= today <= self.closes_on


class Respondent(models.Model):
    """A person invited to a round, reachable only through their personal link."""

    round = models.ForeignKey(
        AssessmentRound, verbose_name=_("round"), on_delete=models.CASCADE, related_name="respondents"
    )
    # Empty once the retention period has passed (stakeholders.privacy): the answers stay as anonymous numbers.
    person = models.ForeignKey(
        Person,
        verbose_name=_("person"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assessment_invitations",
    )
    # The link carries a token derived from this nonce (assessments.tokens); only its digest is stored.
    nonce = models.CharField(max_length=32, editable=False)
    token_digest = models.CharField(max_length=64, unique=True, editable=False)
    language = models.CharField(_("language"), max_length=2, choices=Language.choices, default=Language.SWEDISH)
    invited_at = models.DateTimeField(_("invited"), null=True, blank=True, editable=False)
    reminded_at = models.DateTimeField(_("reminded"), null=True, blank=True, editable=False)
    responded_at = models.DateTimeField(_("answered"), null=True, blank=True, editable=False)
    updated_at = models.DateTimeField(_("last changed"), null=True, blank=True, editable=False)
    last_error = models.TextField(_("last error"), blank=True, editable=False)

    class Meta:
        verbose_name = _("respondent")
        verbose_name_plural = _("respondents")
        ordering = ["round", "person__last_name", "person__first_name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "person"],
                name="respondent_once_per_round",
                violation_error_message=_("This person is already invited to the round."),
            ),
            choices_constraint("language", Language, "respondent_language_valid"),
        ]

    def __str__(self) -> str:
        return str(self.person)

    @property
    def has_answered(self) -> bool:
        return self.responded_at is not None


class Answer(models.Model):
    respondent = models.ForeignKey(
        Respondent, verbose_name=_("respondent"), on_delete=models.CASCADE, related_name="answers"
    )
    item = models.ForeignKey(Item, verbose_name=_("item"), on_delete=models.PROTECT, related_name="answers")
    value = models.SmallIntegerField(_("value"), null=True, blank=True)
    comment = BoundedTextField(_("comment"), max_length=NOTE_MAX_LENGTH, blank=True)

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        ordering = ["respondent", "item__position"]
        constraints = [
            *text_length_constraints("answer", comment=NOTE_MAX_LENGTH),
            models.UniqueConstraint(fields=["respondent", "item"], name="answer_once_per_item"),
            models.CheckConstraint(
                condition=Q(value__isnull=True) | (Q(value__gte=-100) & Q(value__lte=100)), name="answer_value_bounded"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item}: {self.value if self.value is not None else self.comment[:40]}"


class PairwiseAnswer(models.Model):
    """A respondent's rating of another party of the agreement (a pairwise instrument: Levels of Collaboration).
    ``from_party`` is the respondent's own party when the answer was given (empty when they belong to none)."""

    respondent = models.ForeignKey(
        Respondent, verbose_name=_("respondent"), on_delete=models.CASCADE, related_name="pairwise_answers"
    )
    from_party = models.ForeignKey(
        Party, verbose_name=_("from party"), on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    to_party = models.ForeignKey(Party, verbose_name=_("rated party"), on_delete=models.CASCADE, related_name="+")
    value = models.SmallIntegerField(_("value"))

    class Meta:
        verbose_name = _("pairwise answer")
        verbose_name_plural = _("pairwise answers")
        ordering = ["respondent", "to_party"]
        constraints = [
            models.UniqueConstraint(fields=["respondent", "to_party"], name="pairwiseanswer_once_per_party"),
            models.CheckConstraint(
                condition=Q(value__gte=-100) & Q(value__lte=100), name="pairwiseanswer_value_bounded"
            ),
            models.CheckConstraint(
                condition=Q(from_party__isnull=True) | ~Q(from_party=F("to_party")),
                name="pairwiseanswer_not_own_party",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.from_party or '–'} → {self.to_party}: {self.value}"
