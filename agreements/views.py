"""Signed agreement documents, served only to people allowed to read agreements, always as a download; the
actor network's admin page."""

from django.conf import settings
from django.contrib import admin
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils._os import safe_join
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import permissions
from rest_framework.exceptions import PermissionDenied
from rest_framework.exceptions import ValidationError as QueryError
from rest_framework.views import APIView

from agreements import network as graph
from agreements import selectors
from agreements.api.network import ALL_STATUSES, network_from_query
from agreements.choices import AgreementStatus
from samverkan_project.api.schema import ERRORS_READ
from stakeholders.choices import Sector

# A document opened in a browser tab after all (a link saved elsewhere) runs no script and loads nothing.
DOCUMENT_CSP = "default-src 'none'; sandbox"


class AgreementDocumentView(APIView):
    """Download an agreement's signed PDF (session or token login, view permission on agreements).

    Coordinators (change permission) also get a replaced or removed document still kept for the retention
    (``AGREEMENT_DOCUMENT_RETENTION_DAYS``), linked from the agreement's history; readers only current ones.
    """

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        summary=_("Download a signed agreement document"),
        description=_(
            "The signed PDF of an agreement, as an attachment; its path is the `document` value of the "
            "agreement. Needs the view permission on agreements. With the change permission, also a document "
            "the agreement's history names (replaced or removed), while it is kept."
        ),
        responses={(200, "application/pdf"): OpenApiResponse(description=_("The signed PDF.")), **ERRORS_READ},
    )
    def get(self, request, name: str):
        if not request.user.has_perm("agreements.view_agreement"):
            raise PermissionDenied
        # A NUL byte names no file, and PostgreSQL refuses it in a query (a 500, not a 404).
        if "\x00" in name or not self._may_read(request.user, name):
            raise Http404
        try:
            safe_join(settings.MEDIA_ROOT, name)
            handle = default_storage.open(name, "rb")
        except (FileNotFoundError, ValueError) as exc:  # ValueError/SuspiciousFileOperation: path escapes
            raise Http404 from exc
        response = FileResponse(
            handle, content_type="application/pdf", as_attachment=True, filename=name.rsplit("/", 1)[-1]
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = DOCUMENT_CSP
        response["Cache-Control"] = "private, no-store"
        return response

    @staticmethod
    def _may_read(user, name: str) -> bool:
        if selectors.document_is_current(name):
            return True
        return user.has_perm("agreements.change_agreement") and selectors.document_in_history(name)


# --- the actor network's admin page (/admin/network/) ------------------------------------------------------

NODE_ADMIN_URLS = {
    "organization": "admin:stakeholders_organization_change",
    "agreement": "admin:agreements_agreement_change",
    "person": "admin:stakeholders_person_change",
}
NETWORK_PERMISSIONS = ("agreements.view_agreement", "stakeholders.view_organization", "stakeholders.view_person")


def network_page(request):
    """The actor network drawn as SVG (server-side layout) with its data table, the brokers, the isolated
    actors and the sector mix. Filters as the API's: focus, depth, sector, status."""
    if not request.user.has_perms(NETWORK_PERMISSIONS):
        raise DjangoPermissionDenied
    errors = {}
    params = {key: value for key, value in request.GET.items() if value != ""}
    try:
        network = network_from_query(params)
    except QueryError as exc:
        errors = {key: " ".join(str(m) for m in messages) for key, messages in exc.detail.items()}
        params = {}
        network = network_from_query({})
    type_labels = {"organization": _("Organisation"), "agreement": _("Agreement"), "person": _("Person")}
    sector_labels = dict(Sector.choices)

    def url_for(node):
        return reverse(NODE_ADMIN_URLS[node.type], args=[node.pk])

    neighbours: dict[str, list] = {key: [] for key in network.nodes}
    for edge in network.edges:
        kind = graph.EDGE_LABELS[edge.kind]
        neighbours[edge.source].append((network.nodes[edge.target], kind))
        neighbours[edge.target].append((network.nodes[edge.source], kind))
    rows = [
        {
            "node": node,
            "type_label": type_labels[node.type],
            "sector_label": sector_labels.get(node.sector, ""),
            "url": url_for(node),
            "links": sorted(neighbours[node.id], key=lambda pair: (pair[0].type, pair[0].label)),
        }
        for node in sorted(network.nodes.values(), key=lambda n: (NODE_ORDER[n.type], n.label, n.id))
    ]
    drawn = len(network.nodes) <= settings.NETWORK_DRAW_MAX_NODES
    placed, lines = graph.layout(network) if drawn and network.nodes else ([], [])
    mixed, agreement_count = network.mixed_agreements()
    context = {
        **admin.site.each_context(request),
        "title": _("Actor network"),
        "rows": rows,
        "placed": [{"place": p, "url": url_for(p.node)} for p in placed],
        "lines": lines,
        "drawn": drawn,
        "draw_max": settings.NETWORK_DRAW_MAX_NODES,
        "width": graph.WIDTH,
        "height": graph.HEIGHT,
        "brokers": [{"node": n, "url": url_for(n), "type_label": type_labels[n.type]} for n in network.brokers()],
        "isolated": [{"node": n, "url": url_for(n), "sector_label": sector_labels.get(n.sector, "")}
                     for n in network.isolated()],
        "sector_mix": network.sector_mix(),
        "mixed": mixed,
        "agreement_count": agreement_count,
        "node_count": len(network.nodes),
        "edge_count": len(network.edges),
        "sampled": network.sampled,
        "errors": errors,
        "params": params,
        "statuses": [*AgreementStatus.choices, (ALL_STATUSES, _("All"))],
        "sectors": Sector.choices,
        "depth_choices": range(graph.DEPTH_MIN, graph.DEPTH_MAX + 1),
        "depth_default": graph.DEPTH_DEFAULT,
    }
    return TemplateResponse(request, "admin/agreements/network.html", context)


NODE_ORDER = {"agreement": 0, "organization": 1, "person": 2}
