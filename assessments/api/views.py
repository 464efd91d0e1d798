"""REST endpoints for the risk engine: flags to read and acknowledge, scans to request and follow.

Selectors read, services write; the answer to a write is the row read again through the selector.
"""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.filters import OrderingFilter
from rest_framework.response import Response
from rest_framework.reverse import reverse

from agreements.api.views import VALIDATION_RESPONSE, requires
from assessments import risks, selectors, services
from assessments.api.serializers import (
    RiskFlagAcknowledgeSerializer,
    RiskFlagSerializer,
    RiskScanSerializer,
    ScanUnavailableSerializer,
)
from assessments.choices import ScanTrigger
from assessments.filters import RiskFlagFilterSet, RiskFlagOrderingFilter, RiskScanFilterSet

# When a client may ask again after the broker was down (seconds).
RETRY_AFTER_SECONDS = 60


@extend_schema_view(
    list=extend_schema(
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
                enum=[rule.code for rule in risks.rules()],
                description=gettext_lazy("Repeat to match any of several rules."),
            )
        ],
    )
)
class RiskFlagViewSet(viewsets.ReadOnlyModelViewSet):
    """Risks found by the scans, with their message in the request's language.

    A flag is open, acknowledged by a coordinator (with a note) or resolved by a later scan that no
    longer finds the risk.
    """

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
    @action(detail=True, methods=["post"], permission_classes=[requires("assessments.change_riskflag")])
    def acknowledge(self, request, pk=None):
        flag = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.flag_acknowledge(flag=flag, by=request.user, note=serializer.validated_data["note"])
        row = selectors.flag_list().get(pk=flag.pk)
        return Response(RiskFlagSerializer(row, context=self.get_serializer_context()).data)


class RiskScanViewSet(viewsets.ReadOnlyModelViewSet):
    """Runs of the risk scan: when, how long, what they found. POST asks for a scan now."""

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
        description=gettext_lazy("Ask for a scan of the whole portfolio now; a worker runs it. No body is needed."),
    )
    def create(self, request, *args, **kwargs):
        try:
            scan = services.scan_request(trigger=ScanTrigger.API, requested_by=request.user)
        except services.ScanUnavailable as exc:
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
        return Response(data, status=status.HTTP_202_ACCEPTED, headers={"Location": data["url"]})
