"""``GET /api/v1/network/``: the actor network of the portfolio (agreements.network)."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from agreements.choices import AgreementStatus
from agreements.network import (
    DEPTH_DEFAULT,
    DEPTH_MAX,
    DEPTH_MIN,
    EDGE_KINDS,
    NODE_ID,
    NODE_TYPES,
    Network,
    build_network,
    focus_on,
)
from samverkan_project.api.permissions import requires
from samverkan_project.api.schema import BAD_QUERY, DocumentedAutoSchema
from stakeholders.choices import Sector

ALL_STATUSES = "all"


class NetworkQuerySerializer(serializers.Serializer):
    focus = serializers.RegexField(
        NODE_ID,
        required=False,
        max_length=40,
        help_text=_("A node id (organization:12, agreement:5, person:40): only the network around it."),
        error_messages={"invalid": _("A node id is a type and a number, e.g. organization:12.")},
    )
    depth = serializers.IntegerField(
        required=False,
        min_value=DEPTH_MIN,
        max_value=DEPTH_MAX,
        default=DEPTH_DEFAULT,
        help_text=_("With focus: how many links away from it."),
    )
    sector = serializers.ChoiceField(
        choices=Sector.choices, required=False, help_text=_("Only agreements with a party of this sector.")
    )
    status = serializers.ChoiceField(
        choices=[*AgreementStatus.choices, (ALL_STATUSES, _("All"))],
        required=False,
        default=AgreementStatus.ACTIVE,
        help_text=_("The agreements' status; active by default, all for every status."),
    )


class NodeSerializer(serializers.Serializer):
    id = serializers.CharField(help_text=_("Type and id, e.g. organization:12."))
    type = serializers.ChoiceField(choices=NODE_TYPES)
    label = serializers.CharField()
    sector = serializers.CharField(help_text=_("The organisation's sector; blank for agreements and people."))
    betweenness = serializers.FloatField(help_text=_("Normalised betweenness centrality, 0–1."))


class EdgeSerializer(serializers.Serializer):
    source = serializers.CharField()
    target = serializers.CharField()
    kind = serializers.ChoiceField(choices=EDGE_KINDS)


class NetworkSerializer(serializers.Serializer):
    nodes = NodeSerializer(many=True)
    edges = EdgeSerializer(many=True)


def represent(network: Network) -> dict:
    return {
        "nodes": [
            {"id": n.id, "type": n.type, "label": n.label, "sector": n.sector, "betweenness": n.betweenness}
            for n in network.nodes.values()
        ],
        "edges": [{"source": e.source, "target": e.target, "kind": e.kind} for e in network.edges],
    }


def network_from_query(params) -> Network:
    """The network the query asks for; a ValidationError names the parameter at fault."""
    query = NetworkQuerySerializer(data=params)
    query.is_valid(raise_exception=True)
    options = query.validated_data
    status = options["status"]
    network = build_network(status=None if status == ALL_STATUSES else status, sector=options.get("sector"))
    focus = options.get("focus")
    if focus:
        try:
            network = focus_on(network, focus, options["depth"])
        except KeyError:
            raise serializers.ValidationError(
                {"focus": [_("No such node in the network (with these filters).")]}
            ) from None
    return network


class NetworkView(APIView):
    """The actor network that agreements and people form. Needs the right to view agreements, organisations
    and people."""

    schema = DocumentedAutoSchema()
    schema_tags = ["network"]
    permission_classes = [
        requires("agreements.view_agreement", "stakeholders.view_organization", "stakeholders.view_person")
    ]

    @extend_schema(
        parameters=[NetworkQuerySerializer],
        responses={200: NetworkSerializer, 400: BAD_QUERY},
        summary=_("The actor network"),
        description=_(
            "Organisations, agreements and people as nodes, their links as edges (party, representative, "
            "responsible, deputy, coordinator, employment), with each node's normalised betweenness centrality. "
            "Active organisations linked to no agreement in view are nodes without edges."
        ),
        examples=[
            OpenApiExample(
                "Network",
                value={
                    "nodes": [
                        {
                            "id": "organization:12",
                            "type": "organization",
                            "label": "Malmö stad",
                            "sector": "municipality",
                            "betweenness": 0.42,
                        },
                        {"id": "agreement:5", "type": "agreement", "label": "Unga till arbete", "sector": "",
                         "betweenness": 0.3},
                    ],
                    "edges": [{"source": "organization:12", "target": "agreement:5", "kind": "party"}],
                },
                response_only=True,
            )
        ],
    )
    def get(self, request):
        return Response(represent(network_from_query(request.query_params)))
