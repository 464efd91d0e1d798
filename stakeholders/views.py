"""Admin pages of the register that are not plain model pages."""

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from stakeholders import selectors
from stakeholders.choices import Quadrant, SalienceType, Sector
from stakeholders.grid import GridPoint, layout_grid
from stakeholders.models import salience_type_for

QUADRANT_ADVICE = {
    Quadrant.MANAGE_CLOSELY: _("High power and high interest: involve them in decisions and meet them often."),
    Quadrant.KEEP_SATISFIED: _("High power, lower interest: meet their needs without overloading them."),
    Quadrant.KEEP_INFORMED: _("Lower power, high interest: keep them informed and listen to them."),
    Quadrant.MONITOR: _("Low power and low interest: keep an eye on them with little effort."),
}


# Mitchell, Agle & Wood (1997): what each salience type asks of the collaboration.
SALIENCE_ADVICE = {
    SalienceType.DEFINITIVE: _(
        "Power, legitimacy and urgency: their claims come first; involve them in every decision that matters."
    ),
    SalienceType.DOMINANT: _(
        "Power and legitimacy: their expectations shape the work; give them a formal place, such as the steering group."
    ),
    SalienceType.DANGEROUS: _(
        "Power and urgency without legitimacy: they can force their will; find out what drives them and talk early."
    ),
    SalienceType.DEPENDENT: _(
        "Legitimacy and urgency without power: they depend on others to be heard; give them a voice or an advocate."
    ),
    SalienceType.DORMANT: _(
        "Power only: little to do now, but they become important the moment they get an urgent claim; keep in touch."
    ),
    SalienceType.DISCRETIONARY: _(
        "Legitimacy only: no pressure from them; invite them when the work gains from their knowledge or goodwill."
    ),
    SalienceType.DEMANDING: _(
        "Urgency only: loud but without power or legitimacy; listen, and do not let them set the agenda."
    ),
    SalienceType.NONE: _(
        "None of the three attributes: not a stakeholder of the collaboration for now; check again later."
    ),
}
SALIENCE_ORDER = (
    SalienceType.DEFINITIVE,
    SalienceType.DOMINANT,
    SalienceType.DANGEROUS,
    SalienceType.DEPENDENT,
    SalienceType.DORMANT,
    SalienceType.DISCRETIONARY,
    SalienceType.DEMANDING,
    SalienceType.NONE,
)
COLOUR_BY = ("sector", "salience")


def organization_grid(request: HttpRequest, *, model_admin) -> TemplateResponse:
    """The power/interest grid of the active organisations, optionally of one sector (?sector=), coloured by
    sector or by salience type (?colour=salience)."""
    sector = request.GET.get("sector", "")
    if sector and sector not in Sector.values:
        messages.warning(request, _("Unknown sector; showing all sectors."))
        sector = ""
    colour = request.GET.get("colour", "sector")
    if colour not in COLOUR_BY:
        colour = "sector"
    high_from = settings.STAKEHOLDER_GRID_HIGH_FROM
    points = [
        GridPoint(
            pk=organization.pk,
            name=organization.name,
            power=organization.power,
            interest=organization.interest,
            sector=organization.sector,
            resource_level=organization.resource_level,
            salience=salience_type_for(
                organization.power, organization.legitimacy, organization.urgency, high_from
            ).value,
        )
        for organization in selectors.organization_grid(sector=sector or None)
    ]
    layout = layout_grid(points, high_from=high_from)
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
    by_salience: dict[str, list[GridPoint]] = {}
    for point in points:
        by_salience.setdefault(point.salience, []).append(point)
    salience_groups = [
        {
            "type": salience,
            "label": salience.label,
            "advice": SALIENCE_ADVICE[salience],
            "rows": [
                {"point": point, "sector_label": sector_labels[point.sector]}
                for point in by_salience.get(salience.value, [])
            ],
        }
        for salience in SALIENCE_ORDER
    ]
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
        "colour": colour,
        "salience_groups": salience_groups,
        "salience_legend": [(group["type"].value, group["label"]) for group in salience_groups if group["rows"]],
    }
    request.current_app = model_admin.admin_site.name
    return TemplateResponse(request, "admin/stakeholders/organization/grid.html", context)
