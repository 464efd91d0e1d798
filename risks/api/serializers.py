"""API representations of risk flags and risk scans; writes go through risks.services and risks.scans.

Every field reads the row and the relations ``risks.selectors`` loads with it, so a page costs
the same number of queries whatever its size.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from risks import engine
from risks.models import RiskFlag, RiskScan
from samverkan_project.fields import NOTE_MAX_LENGTH


class RiskSubjectSerializer(serializers.Serializer):
    # A plain string with the values of ``subject_type``: a second enum of the same choices
    # under another name would make the schema's enum naming ambiguous.
    type = serializers.CharField(help_text=_("As subject_type: agreement, party, person or responsibility."))
    id = serializers.IntegerField()
    name = serializers.CharField()


class RiskFlagSerializer(serializers.ModelSerializer):
    rule_label = serializers.SerializerMethodField(help_text=_("The rule's name, in the request's language."))
    agreement_title = serializers.CharField(source="agreement.title", read_only=True, default=None, allow_null=True)
    subject = serializers.SerializerMethodField(help_text=_("What the risk is about."))
    message = serializers.CharField(
        read_only=True, help_text=_("What is wrong and what to do, in the request's language.")
    )
    acknowledged_by = serializers.CharField(
        source="acknowledged_by.username", read_only=True, default=None, allow_null=True
    )
    last_seen_at = serializers.DateTimeField(
        source="last_seen", read_only=True, help_text=_("When a scan last found the risk.")
    )

    class Meta:
        model = RiskFlag
        fields = [
            "id", "rule", "rule_label", "severity", "status", "agreement", "agreement_title",
            "subject_type", "subject", "party", "person", "responsibility", "message", "details",
            "first_seen_at", "last_seen_at", "resolved_at", "acknowledged_at", "acknowledged_by",
            "acknowledgement_note",
        ]  # fmt: skip
        read_only_fields = fields

    def get_rule_label(self, flag: RiskFlag) -> str:
        return engine.rule_label(flag.rule)

    @extend_schema_field(RiskSubjectSerializer(allow_null=True))
    def get_subject(self, flag: RiskFlag) -> dict | None:
        subject = flag.subject
        if subject is None:
            return None
        return {"type": flag.subject_type, "id": subject.pk, "name": str(subject)}


class RiskFlagAcknowledgeSerializer(serializers.Serializer):
    # Blank notes reach the service, which refuses them with the message that says what to write.
    note = serializers.CharField(
        allow_blank=True,
        max_length=NOTE_MAX_LENGTH,
        help_text=_("What is being done about the risk, or why it is accepted."),
    )


class RiskScanSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="riskscan-detail", help_text=_("Where to follow the scan."))
    requested_by = serializers.CharField(source="requested_by.username", read_only=True, default=None, allow_null=True)
    duration_seconds = serializers.SerializerMethodField(help_text=_("From start to finish; null until it finishes."))

    class Meta:
        model = RiskScan
        fields = [
            "id", "url", "trigger", "status", "requested_by", "task_id", "created_at", "started_at",
            "finished_at", "duration_seconds", "chunks_total", "chunks_done", "agreements_scanned",
            "findings", "new_count", "persisting_count", "resolved_count", "error",
        ]  # fmt: skip
        read_only_fields = fields

    def get_duration_seconds(self, scan: RiskScan) -> float | None:
        duration = scan.duration
        return None if duration is None else round(duration.total_seconds(), 3)


class ScanUnavailableSerializer(serializers.Serializer):
    detail = serializers.CharField()
    scan = serializers.IntegerField(help_text=_("The scan row, marked failed with the reason."))
    url = serializers.URLField()
