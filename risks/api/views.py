"""REST endpoints for the risk engine: flags to read and acknowledge, scans to request and follow.

Selectors read, services write; the answer to a write is the row read again through the selector.
"""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.filters import OrderingFilter
from rest_framework.response import Response
from rest_framework.reverse import reverse

from risks import engine, scans, selectors, services
from risks.api.serializers import (
    RiskFlagAcknowledgeSerializer,
    RiskFlagSerializer,
    RiskScanSerializer,
    ScanUnavailableSerializer,
)
from risks.choices import ScanTrigger
from risks.filters import RiskFlagFilterSet, RiskFlagOrderingFilter, RiskScanFilterSet
from samverkan_project.api.permissions import requires
from samverkan_project.api.schema import VALIDATION_RESPONSE, DocumentedAutoSchema

# When a client may ask again after the broker was down (seconds).
RETRY_AFTER_SECONDS = 60

RISK_FLAG_EXAMPLES = [
    OpenApiExample(
        "Single-person dependency",
        value={
            "id": 501,
            "rule": "single_person_dependency",
            "rule_label": "Single-person dependency",
            "severity": "high",
            "status": "open",
            "agreement": 12,
            "agreement_title": "Unga till arbete eller studier",
            "subject_type": "agreement",
            "subject": {"type": "agreement", "id": 12, "name": "Unga till arbete eller studier"},
            "party": None,
            "person": None,
            "responsibility": None,
            "message": "If one person leaves, half of the responsibilities have nobody left. Name deputies.",
            "details": {"bus_factor": 1, "responsibilities": 4},
            "first_seen_at": "2026-02-02T03:00:04+01:00",
            "last_seen_at": "2026-02-09T03:00:05+01:00",
            "resolved_at": None,
            "acknowledged_at": None,
            "acknowledged_by": None,
            "acknowledgement_note": "",
        },
        response_only=True,
    )
]
RISK_SCAN_EXAMPLE = {
    "id": 88,
    "url": "https://samverkan.example.se/api/v1/risk-scans/88/",
    "trigger": "api",
    "status": "succeeded",
    "requested_by": "samordnare",
    "task_id": "5f1c2a9e-3b8d-4c41-9a57-2f0e8b7d6c13",
    "created_at": "2026-02-09T10:14:00+01:00",
    "started_at": "2026-02-09T10:14:01+01:00",
    "finished_at": "2026-02-09T10:14:03+01:00",
    "duration_seconds": 2.134,
    "chunks_total": 1,
    "chunks_done": 1,
    "agreements_scanned": 240,
    "findings": 37,
    "new_count": 3,
    "persisting_count": 34,
    "resolved_count": 2,
    "error": "",
}


@extend_schema_view(
    retrieve=extend_schema(summary=gettext_lazy("Read a risk flag"), examples=RISK_FLAG_EXAMPLES),
    list=extend_schema(
        summary=gettext_lazy("List risk flags"),
        examples=RISK_FLAG_EXAMPLES,
        description=gettext_lazy(
            "Risk flags, most severe first and then newest. `ordering=severity` orders by rank "
            "(low, medium, high); `-severity` puts the most severe first."
        ),
        # The filter reads the registry per request; the schema lists the rules registered at start-up.
        parameters=[
            OpenApiParameter(
                "rule",
                OpenApiTypes.STR,
                many=True,
                explode=True,
                enum=[rule.code for rule in engine.rules()],
                description=gettext_lazy("Repeat to match any of several rules."),
            )
        ],
    ),
)
class RiskFlagViewSet(viewsets.ReadOnlyModelViewSet):
    """Risks found by the scans, with their message in the request's language.

    A flag is open, acknowledged by a coordinator (with a note) or resolved by a later scan that no
    longer finds the risk.
    """

    schema = DocumentedAutoSchema()
    serializer_class = RiskFlagSerializer
    filterset_class = RiskFlagFilterSet
    filter_backends = [DjangoFilterBackend, RiskFlagOrderingFilter]
    ordering_fields = ["severity", "first_seen_at", "last_seen_at"]
    ordering = ["-severity", "-first_seen_at"]

    def get_queryset(self):
        return selectors.flag_list()

    def filter_queryset(self, queryset):
        # Filters and ordering shape lists; the flag to acknowledge is found by its id alone.
        if self.action == "acknowledge":
            return queryset
        return super().filter_queryset(queryset)

    def get_serializer_class(self):
        if self.action == "acknowledge":
            return RiskFlagAcknowledgeSerializer
        return RiskFlagSerializer

    @extend_schema(
        request=RiskFlagAcknowledgeSerializer,
        summary=gettext_lazy("Acknowledge a risk flag"),
        examples=[
            OpenApiExample(
                "Acknowledge",
                value={"note": "A deputy is being recruited; decision at the steering group on 12 March."},
                request_only=True,
            ),
            *RISK_FLAG_EXAMPLES,
        ],
        responses={
            200: RiskFlagSerializer,
            400: OpenApiResponse(
                response=VALIDATION_RESPONSE.response,
                description=gettext_lazy(
                    "Refused: a blank note (under `note`), or a flag that is already resolved (under `status`)."
                ),
            ),
        },
        description=gettext_lazy(
            "A coordinator has seen the risk: open or acknowledged → acknowledged, with who and a note. "
            "The flag still resolves by itself when a scan no longer finds the risk. "
            "A resolved flag cannot be acknowledged (400)."
        ),
    )
    @action(detail=True, methods=["post"], permission_classes=[requires("risks.change_riskflag")])
    def acknowledge(self, request, pk=None):
        flag = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.flag_acknowledge(flag=flag, by=request.user, note=serializer.validated_data["note"])
        row = selectors.flag_list().get(pk=flag.pk)
        return Response(RiskFlagSerializer(row, context=self.get_serializer_context()).data)


RISK_SCAN_EXAMPLES = [OpenApiExample("Finished scan", value=RISK_SCAN_EXAMPLE, response_only=True)]


@extend_schema_view(
    list=extend_schema(summary=gettext_lazy("List risk scans"), examples=RISK_SCAN_EXAMPLES),
    retrieve=extend_schema(summary=gettext_lazy("Follow a risk scan"), examples=RISK_SCAN_EXAMPLES),
)
class RiskScanViewSet(viewsets.ReadOnlyModelViewSet):
    """Runs of the risk scan: when, how long, what they found. POST asks for a scan now."""

    schema = DocumentedAutoSchema()
    serializer_class = RiskScanSerializer
    filterset_class = RiskScanFilterSet
    filter_backends = [DjangoFilterBackend, OrderingFilter]
    ordering_fields = ["created_at", "finished_at"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self):
        return selectors.scan_list()

    @extend_schema(
        request=None,
        parameters=[
            OpenApiParameter(
                "Location",
                OpenApiTypes.URI,
                OpenApiParameter.HEADER,
                response=[202],
                description=gettext_lazy("The scan's url."),
            ),
            OpenApiParameter(
                "Retry-After",
                OpenApiTypes.INT,
                OpenApiParameter.HEADER,
                response=[503],
                description=gettext_lazy("Seconds to wait before asking again."),
            ),
        ],
        responses={
            202: OpenApiResponse(
                response=RiskScanSerializer,
                description=gettext_lazy(
                    "Queued: follow the scan at its `url` (also the Location header) until its status is "
                    "succeeded or failed."
                ),
            ),
            503: OpenApiResponse(
                response=ScanUnavailableSerializer,
                description=gettext_lazy(
                    "The task broker is unavailable: the scan row is kept, marked failed with the reason."
                ),
            ),
        },
        summary=gettext_lazy("Ask for a risk scan now"),
        examples=[
            OpenApiExample(
                "Queued",
                value={
                    **RISK_SCAN_EXAMPLE,
                    "status": "queued",
                    "started_at": None,
                    "finished_at": None,
                    "duration_seconds": None,
                    "chunks_total": 0,
                    "chunks_done": 0,
                    "agreements_scanned": 0,
                    "findings": 0,
                    "new_count": 0,
                    "persisting_count": 0,
                    "resolved_count": 0,
                },
                response_only=True,
                status_codes=["202"],
            )
        ],
        description=gettext_lazy("Ask for a scan of the whole portfolio now; a worker runs it. No body is needed."),
    )
    def create(self, request, *args, **kwargs):
        try:
            scan = scans.scan_request(trigger=ScanTrigger.API, requested_by=request.user)
        except scans.ScanUnavailable as exc:
            return Response(
                {
                    "detail": _("The scan could not be queued: the task broker is unavailable. Try again later."),
                    "scan": exc.scan.pk,
                    "url": reverse("riskscan-detail", args=[exc.scan.pk], request=request),
                },
                status=status.HTTP_503_SERVICE_UNAVAILABLE,
                headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
            )
        data = self.get_serializer(self.get_queryset().get(pk=scan.pk)).data
        # str(): the url is DRF's Hyperlink, which a header must not carry as it is.
        return Response(data, status=status.HTTP_202_ACCEPTED, headers={"Location": str(data["url"])})
