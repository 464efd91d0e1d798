from django.db import models
from django.utils.translation import gettext_lazy as _


class Sector(models.TextChoices):
    MUNICIPALITY = "municipality", _("Municipality")
    REGION = "region", _("Region")
    STATE_AGENCY = "state_agency", _("State agency")
    BUSINESS = "business", _("Business")
    ACADEMIA = "academia", _("Academia")
    CIVIL_SOCIETY = "civil_society", _("Civil society")


class SectorGroup(models.TextChoices):
    PUBLIC = "public", _("Public")
    PRIVATE = "private", _("Private")
    ACADEMIC = "academic", _("Academic")
    CIVIL_SOCIETY = "civil_society", _("Civil society")


SECTOR_GROUPS = {
    Sector.MUNICIPALITY: SectorGroup.PUBLIC,
    Sector.REGION: SectorGroup.PUBLIC,
    Sector.STATE_AGENCY: SectorGroup.PUBLIC,
    Sector.BUSINESS: SectorGroup.PRIVATE,
    Sector.ACADEMIA: SectorGroup.ACADEMIC,
    Sector.CIVIL_SOCIETY: SectorGroup.CIVIL_SOCIETY,
}


class Language(models.TextChoices):
    SWEDISH = "sv", _("Swedish")
    ENGLISH = "en", _("English")


class Quadrant(models.TextChoices):
    """Mendelow's power/interest grid."""

    MANAGE_CLOSELY = "manage_closely", _("Manage closely")
    KEEP_SATISFIED = "keep_satisfied", _("Keep satisfied")
    KEEP_INFORMED = "keep_informed", _("Keep informed")
    MONITOR = "monitor", _("Monitor")


class SalienceType(models.TextChoices):
    """Mitchell, Agle & Wood (1997): which of power, legitimacy and urgency a stakeholder has."""

    DORMANT = "dormant", _("Dormant")
    DISCRETIONARY = "discretionary", _("Discretionary")
    DEMANDING = "demanding", _("Demanding")
    DOMINANT = "dominant", _("Dominant")
    DANGEROUS = "dangerous", _("Dangerous")
    DEPENDENT = "dependent", _("Dependent")
    DEFINITIVE = "definitive", _("Definitive")
    NONE = "none", _("None")
