"""The risk engine's tables: flags and their lifecycle, scans, report subscriptions and deliveries.

The models moved here from ``assessments`` and keep their tables (``assessments_riskflag`` …): the move
was a state-only migration, so an existing database changed no row, index or constraint, and SQL that
reads the tables (reports, backups, the scan's COPY) keeps working.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from agreements.models import Agreement, Party, Responsibility, choices_constraint
from risks.choices import (
    SEVERITY_ORDER,
    DeliveryStatus,
    FlagStatus,
    ReportKind,
    ScanStatus,
    ScanTrigger,
    Severity,
    SubjectType,
)
from samverkan_project.fields import NOTE_MAX_LENGTH, BoundedTextField, text_length_constraints
from stakeholders.choices import Language
from stakeholders.models import Person


def severity_rank() -> models.Case:
    """Severity as a number that grows with it (low 1, medium 2, high 3), to order by: the stored
    codes sort alphabetically. The flag lists order by this very expression, and an index holds it."""
    return models.Case(
        *(
            models.When(severity=severity, then=models.Value(len(SEVERITY_ORDER) - index))
            for index, severity in enumerate(SEVERITY_ORDER)
        ),
        default=models.Value(0),
        output_field=models.IntegerField(),
    )


class RiskFlag(models.Model):
    """A risk found by a scan, with its lifecycle: open → acknowledged → resolved (by a later scan)."""

    rule = models.CharField(_("rule"), max_length=50)  # indexed by the (rule, subject_key) constraint
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices)
    status = models.CharField(_("status"), max_length=20, choices=FlagStatus.choices, default=FlagStatus.OPEN)
    subject_type = models.CharField(_("subject type"), max_length=20, choices=SubjectType.choices)
    # The finding's identity within its rule (which agreement/party/person/responsibility).
    subject_key = models.CharField(_("subject key"), max_length=100, editable=False)
    agreement = models.ForeignKey(
        Agreement,
        verbose_name=_("agreement"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="risk_flags",
        db_index=False,
    )
    party = models.ForeignKey(
        Party,
        verbose_name=_("party"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="risk_flags",
        db_index=False,
    )
    person = models.ForeignKey(
        Person,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="risk_flags",
        db_index=False,
    )
    responsibility = models.ForeignKey(
        Responsibility,
        verbose_name=_("responsibility"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="risk_flags",
        db_index=False,
    )
    details = models.JSONField(_("details"), default=dict, blank=True)
    first_seen_at = models.DateTimeField(_("first seen"))
    # Written when the flag opens, changes or resolves; an unresolved flag was also seen by every
    # successful scan since: read it through selectors.flag_list() (`seen_at`) or `last_seen`.
    last_seen_at = models.DateTimeField(_("last seen"))
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("acknowledged by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    acknowledgement_note = BoundedTextField(_("note"), max_length=NOTE_MAX_LENGTH, blank=True)
    # Who acknowledged or edited a flag, and when. The scan writes with bulk statements, which leave no history
    # rows; its findings (``details``) are not copied into them.
    history = HistoricalRecords(
        verbose_name=_("historical risk flag"), excluded_fields=["details"], table_name="assessments_historicalriskflag"
    )

    class Meta:
        db_table = "assessments_riskflag"  # the table predates the risks app; see the module docstring
        verbose_name = _("risk flag")
        verbose_name_plural = _("risk flags")
        ordering = ["-first_seen_at", "-id"]
        constraints = [
            *text_length_constraints("riskflag", acknowledgement_note=NOTE_MAX_LENGTH),
            # Two scans at once cannot open the same finding twice.
            models.UniqueConstraint(
                fields=["rule", "subject_key"],
                condition=~Q(status=FlagStatus.RESOLVED),
                name="riskflag_one_unresolved_per_subject",
                violation_error_message=_("This risk is already flagged."),
            ),
            choices_constraint("severity", Severity, "riskflag_severity_valid"),
            choices_constraint("status", FlagStatus, "riskflag_status_valid"),
            choices_constraint("subject_type", SubjectType, "riskflag_subject_type_valid"),
            models.CheckConstraint(
                condition=Q(status=FlagStatus.RESOLVED, resolved_at__isnull=False)
                | (~Q(status=FlagStatus.RESOLVED) & Q(resolved_at__isnull=True)),
                name="riskflag_resolved_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(status=FlagStatus.ACKNOWLEDGED) | Q(acknowledged_at__isnull=False),
                name="riskflag_acknowledged_has_time",
            ),
            models.CheckConstraint(
                condition=Q(last_seen_at__gte=models.F("first_seen_at")), name="riskflag_seen_in_order"
            ),
        ]
        # A first scan inserts thousands of flags, and each index costs every insert: the agreement is found
        # through (agreement, status), and the other subjects and times, which most flags lack, are indexed
        # only where set (a lookup by one of them implies it is set, so PostgreSQL uses the partial index).
        indexes = [
            models.Index(fields=["status", "severity"]),
            models.Index(fields=["agreement", "status"]),
            # The lists' orderings: newest first (the admin), most severe and then newest first (the API).
            models.Index(fields=["-first_seen_at", "-id"], name="riskflag_list_order"),
            models.Index(
                models.OrderBy(severity_rank(), descending=True),
                models.OrderBy(models.F("first_seen_at"), descending=True),
                models.OrderBy(models.F("id"), descending=True),
                name="riskflag_severity_order",
            ),
            models.Index(fields=["resolved_at"], condition=Q(resolved_at__isnull=False), name="riskflag_resolved_at"),
            models.Index(fields=["party"], condition=Q(party__isnull=False), name="riskflag_party"),
            models.Index(fields=["person"], condition=Q(person__isnull=False), name="riskflag_person"),
            models.Index(
                fields=["responsibility"], condition=Q(responsibility__isnull=False), name="riskflag_responsibility"
            ),
            models.Index(
                fields=["acknowledged_by"], condition=Q(acknowledged_by__isnull=False), name="riskflag_acknowledged_by"
            ),
        ]

    def __str__(self) -> str:
        from risks.engine import rule_label

        return f"{rule_label(self.rule)}: {self.subject_display}"

    @property
    def is_resolved(self) -> bool:
        return self.status == FlagStatus.RESOLVED

    @property
    def last_seen(self):
        """When a scan last saw the risk (needs ``selectors.flag_list()``'s annotation for open flags)."""
        return getattr(self, "seen_at", None) or self.last_seen_at

    @property
    def subject(self):
        return getattr(self, self.subject_type, None)

    @property
    def subject_display(self) -> str:
        subject = self.subject
        if subject is None:
            return "–"
        if self.subject_type in (SubjectType.PARTY, SubjectType.RESPONSIBILITY, SubjectType.PERSON) and self.agreement:
            return f"{subject} ({self.agreement})"
        return str(subject)

    @property
    def message(self) -> str:
        """What is wrong and what to do, in the active language."""
        from risks.engine import flag_message

        return flag_message(self)


class RiskScan(models.Model):
    """One run of the risk scan: when, how long, what it found, and any error."""

    trigger = models.CharField(_("trigger"), max_length=20, choices=ScanTrigger.choices)
    status = models.CharField(_("status"), max_length=20, choices=ScanStatus.choices, default=ScanStatus.QUEUED)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # A scheduled run claims its day, so a duplicate delivery of the same run does nothing.
    slot = models.CharField(_("slot"), max_length=40, null=True, blank=True, unique=True, editable=False)
    task_id = models.CharField(_("task id"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("requested"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    chunks_total = models.PositiveIntegerField(_("chunks"), default=0)
    chunks_done = models.PositiveIntegerField(_("chunks done"), default=0)
    workers = models.JSONField(_("workers"), default=list, blank=True)
    agreements_scanned = models.PositiveIntegerField(_("agreements scanned"), default=0)
    findings = models.PositiveIntegerField(_("findings"), default=0)
    new_count = models.PositiveIntegerField(_("new flags"), default=0)
    persisting_count = models.PositiveIntegerField(_("still open"), default=0)
    resolved_count = models.PositiveIntegerField(_("resolved flags"), default=0)
    error = models.TextField(_("error"), blank=True)
    # The people responsible for the most roles in active agreements when the scan ran (the start page's list):
    # [{"person", "responsible", "deputy", "agreements"}], most first.
    busiest = models.JSONField(_("busiest people"), default=list, blank=True, editable=False)

    class Meta:
        db_table = "assessments_riskscan"  # the table predates the risks app; see the module docstring
        verbose_name = _("risk scan")
        verbose_name_plural = _("risk scans")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="riskscan_list_order"),
            # The latest successful scan, which every flag list reads (``seen_at``).
            models.Index(
                fields=["-started_at"], condition=Q(status=ScanStatus.SUCCEEDED), name="riskscan_latest_succeeded"
            ),
        ]
        constraints = [
            choices_constraint("status", ScanStatus, "riskscan_status_valid"),
            choices_constraint("trigger", ScanTrigger, "riskscan_trigger_valid"),
            models.CheckConstraint(
                condition=Q(chunks_done__lte=models.F("chunks_total")), name="riskscan_chunks_done_le_total"
            ),
        ]

    def __str__(self) -> str:
        return _("Risk scan %(id)s") % {"id": self.pk}

    @property
    def duration(self):
        if self.started_at and self.finished_at:
            return self.finished_at - self.started_at
        return None

    @property
    def is_finished(self) -> bool:
        return self.status in (ScanStatus.SUCCEEDED, ScanStatus.FAILED)


class RiskReportSubscription(models.Model):
    """A staff user who receives the whole portfolio's risk report."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="risk_report_subscription",
    )
    language = models.CharField(_("language"), max_length=2, choices=Language.choices, default=Language.SWEDISH)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        db_table = "assessments_riskreportsubscription"  # the table predates the risks app; see the module docstring
        verbose_name = _("risk report subscription")
        verbose_name_plural = _("risk report subscriptions")
        ordering = ["user__username"]
        constraints = [choices_constraint("language", Language, "riskreportsubscription_language_valid")]

    def __str__(self) -> str:
        return str(self.user)


class ReportDelivery(models.Model):
    """One risk report to one recipient for one period: claimed (inserted) before it is sent."""

    report = models.CharField(_("report"), max_length=20, choices=ReportKind.choices)
    period_start = models.DateField(_("period"))
    # "person:<id>" or "user:<id>": who, independent of a changed e-mail address.
    recipient_key = models.CharField(_("recipient key"), max_length=40)
    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    email = models.EmailField(_("e-mail"))
    language = models.CharField(_("language"), max_length=2, choices=Language.choices, default=Language.SWEDISH)
    status = models.CharField(
        _("status"), max_length=20, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    since = models.DateTimeField(_("changes since"))
    until = models.DateTimeField(_("changes until"))
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    new_count = models.PositiveIntegerField(_("new"), default=0)
    open_count = models.PositiveIntegerField(_("open"), default=0)
    resolved_count = models.PositiveIntegerField(_("resolved"), default=0)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("claimed"), auto_now_add=True)
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        db_table = "assessments_reportdelivery"  # the table predates the risks app; see the module docstring
        verbose_name = _("report delivery")
        verbose_name_plural = _("report deliveries")
        ordering = ["-period_start", "report", "recipient_key"]
        constraints = [
            models.UniqueConstraint(
                fields=["report", "period_start", "recipient_key"],
                name="reportdelivery_one_per_recipient_and_period",
                violation_error_message=_("This recipient already has this report for the period."),
            ),
            choices_constraint("report", ReportKind, "reportdelivery_report_valid"),
            choices_constraint("status", DeliveryStatus, "reportdelivery_status_valid"),
            models.CheckConstraint(
                condition=~Q(status=DeliveryStatus.SENT) | Q(sent_at__isnull=False), name="reportdelivery_sent_has_time"
            ),
            models.CheckConstraint(condition=Q(until__gte=models.F("since")), name="reportdelivery_window_in_order"),
        ]
        indexes = [models.Index(fields=["status"])]

    def __str__(self) -> str:
        return f"{self.get_report_display()} {self.period_start} → {self.email}"
