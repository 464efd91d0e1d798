"""Admin pages of the register that are not plain model pages."""

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from stakeholders import selectors
from stakeholders.choices import Quadrant, Sector
from stakeholders.grid import GridPoint, layout_grid

QUADRANT_ADVICE = {
    Quadrant.MANAGE_CLOSELY: _("High power and high interest: involve them in decisions and meet them often."),
    Quadrant.KEEP_SATISFIED: _("High power, lower interest: meet their needs without overloading them."),
    Quadrant.KEEP_INFORMED: _("Lower power, high interest: keep them informed and listen to them."),
    Quadrant.MONITOR: _("Low power and low interest: keep an eye on them with little effort."),
}


def organization_grid(request: HttpRequest, *, model_admin) -> TemplateResponse:
    """The power/interest grid of the active organisations, optionally of one sector (?sector=)."""
    sector = request.GET.get("sector", "")
    if sector and sector not in Sector.values:
        messages.warning(request, _("Unknown sector; showing all sectors."))
        sector = ""
    points = [
        GridPoint(
            pk=organization.pk,
            name=organization.name,
            power=organization.power,
            interest=organization.interest,
            sector=organization.sector,
            resource_level=organization.resource_level,
        )
        for organization in selectors.organization_grid(sector=sector or None)
    ]
    layout = layout_grid(points, high_from=settings.STAKEHOLDER_GRID_HIGH_FROM)
    sector_labels = dict(Sector.choices)
    groups = [
        {
            "quadrant": area.quadrant,
            "label": area.quadrant.label,
            "advice": QUADRANT_ADVICE[area.quadrant],
            "rows": [{"point": point, "sector_label": sector_labels[point.sector]} for point in area.points],
        }
        for area in layout.quadrants
    ]
    present_sectors = {point.sector for point in points}
    opts = model_admin.model._meta
    context = {
        **model_admin.admin_site.each_context(request),
        "title": _("Power/interest grid"),
        "opts": opts,
        "app_label": opts.app_label,
        "layout": layout,
        "groups": groups,
        "organization_count": len(points),
        "sector": sector,
        "sector_label": sector_labels.get(sector, ""),
        "sectors": Sector.choices,
        "legend": [(value, label) for value, label in Sector.choices if value in present_sectors],
    }
    request.current_app = model_admin.admin_site.name
    return TemplateResponse(request, "admin/stakeholders/organization/grid.html", context)
