"""The demo register: a fictional Swedish county with its actors and people, and the service that seeds it.

Everything here is fictional (names, organisation numbers, e-mail domains under ``example.se``,
phone numbers from the range PTS reserves for fiction). The data is plain declarations so later
issues can extend it: refer to an organisation by its seed ``key`` and to a person by ``email``
(e.g. an agreement's parties and role holders), add a ``_seed_<things>`` step to
``seed_demo_register`` and count its rows in the same ``SeedSummary``.

Seeding is idempotent: a row is found by its natural key (organisation number; for a förvaltning,
which shares its municipality's number, the parent and the name; a person's e-mail), created when
missing, updated only in the fields that differ, and left untouched — no save, no history row —
when it already matches.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import TypeVar

from django.db import models, transaction

from stakeholders.choices import Language, Sector
from stakeholders.models import Organization, Person
from stakeholders.services import organization_create, organization_update, person_create, person_update
from stakeholders.validators import luhn_check_digit

M = TypeVar("M", bound=models.Model)


def org_number(body: str) -> str:
    """``body`` (nine digits) completed with its Luhn check digit, written NNNNNN-NNNN."""
    digits = f"{body}{luhn_check_digit(body)}"
    return f"{digits[:6]}-{digits[6:]}"


@dataclass(frozen=True)
class OrganizationSeed:
    key: str  # stable handle for other seeds; not stored
    name: str
    sector: Sector
    power: int
    interest: int
    resource_level: int
    # None for a förvaltning: it is part of its municipality or region and shares its number.
    org_number: str | None = None
    parent: str | None = None  # key of an organisation declared earlier
    resources: str = ""
    drivers: str = ""
    constraints: str = ""


@dataclass(frozen=True)
class PersonSeed:
    email: str  # the natural key; lower case, as Person.clean stores it
    first_name: str
    last_name: str
    organization: str  # key of an OrganizationSeed
    title: str
    phone: str = ""
    language: Language = Language.SWEDISH
    left_on: date | None = None


# Municipalities 212000-…, regions 232100-…, state agencies and state universities 202100-…,
# limited companies 556…, non-profit associations 802… (as in the real register).
ORGANIZATIONS: tuple[OrganizationSeed, ...] = (
    OrganizationSeed(
        key="region",
        name="Region Mellanland",
        sector=Sector.REGION,
        org_number=org_number("232100090"),
        power=5,
        interest=4,
        resource_level=5,
        resources="Regional utvecklingsstrategi, medel för regional tillväxt, hälso- och sjukvård, "
        "kollektivtrafik och analyskompetens.",
        drivers="Kompetensförsörjning och jämlik hälsa i hela länet; ansvar för den regionala utvecklingsstrategin.",
        constraints="Stor beslutsorganisation med många nämnder; budgeten låses i en årscykel.",
    ),
    OrganizationSeed(
        key="region-utveckling",
        name="Regionala utvecklingsförvaltningen",
        sector=Sector.REGION,
        parent="region",
        power=4,
        interest=5,
        resource_level=4,
        resources="Projektmedel, processledning, statistik och omvärldsanalys.",
        drivers="Uppdrag att samordna det regionala tillväxtarbetet tillsammans med kommunerna.",
        constraints="Projektfinansiering gör att nyckelpersoner ofta är tidsbegränsat anställda.",
    ),
    OrganizationSeed(
        key="region-halsa",
        name="Hälso- och sjukvårdsförvaltningen",
        sector=Sector.REGION,
        parent="region",
        power=4,
        interest=2,
        resource_level=5,
        resources="Primärvård, psykiatri och folkhälsokompetens.",
        drivers="Minskad belastning på akutsjukvården genom förebyggande arbete.",
        constraints="Hög belastning i vården; samverkan med kommunerna prioriteras ned när produktionen pressas.",
    ),
    OrganizationSeed(
        key="adala",
        name="Ådala kommun",
        sector=Sector.MUNICIPALITY,
        org_number=org_number("212000901"),
        power=5,
        interest=5,
        resource_level=4,
        resources="Lokaler, försörjningsstöd, skola och socialtjänst; politiskt mandat att prioritera.",
        drivers="Minskat utanförskap och fler unga vuxna i arbete eller studier.",
        constraints="Ansträngd ekonomi och besparingskrav inför kommande budgetår.",
    ),
    OrganizationSeed(
        key="adala-social",
        name="Socialförvaltningen",
        sector=Sector.MUNICIPALITY,
        parent="adala",
        power=3,
        interest=4,
        resource_level=3,
        resources="Socialsekreterare, försörjningsstöd och kontakt med målgruppen.",
        drivers="Färre hushåll med långvarigt försörjningsstöd.",
        constraints="Hög personalomsättning; sekretessen försvårar informationsdelning.",
    ),
    OrganizationSeed(
        key="adala-utbildning",
        name="Utbildningsförvaltningen",
        sector=Sector.MUNICIPALITY,
        parent="adala",
        power=3,
        interest=2,
        resource_level=4,
        resources="Vuxenutbildning, sfi och studie- och yrkesvägledning.",
        drivers="Fler som fullföljer gymnasieskolan och vuxenutbildningen.",
        constraints="Samverkan ligger utanför kärnuppdraget och saknar egen budgetpost.",
    ),
    OrganizationSeed(
        key="sjovik",
        name="Sjöviks kommun",
        sector=Sector.MUNICIPALITY,
        org_number=org_number("212000902"),
        power=4,
        interest=3,
        resource_level=3,
        resources="Mark och planberedskap, näringslivskontor och kommunala bolag.",
        drivers="Nya etableringar och bostadsbyggande längs den nya pendelbanan.",
        constraints="Otydlig politisk majoritet; långa beslutsvägar mellan förvaltningarna.",
    ),
    OrganizationSeed(
        key="sjovik-social",
        name="Socialförvaltningen",
        sector=Sector.MUNICIPALITY,
        parent="sjovik",
        power=3,
        interest=5,
        resource_level=2,
        resources="Fältverksamhet och öppenvård för unga.",
        drivers="Tidiga insatser för unga i utsatta bostadsområden.",
        constraints="Medarbetarna räcker inte till både samverkan och myndighetsutövning.",
    ),
    OrganizationSeed(
        key="sjovik-stadsbyggnad",
        name="Stadsbyggnadskontoret",
        sector=Sector.MUNICIPALITY,
        parent="sjovik",
        power=4,
        interest=1,
        resource_level=3,
        resources="Detaljplanering, bygglov och kartunderlag.",
        drivers="Snabbare planprocesser och fler bostäder.",
        constraints="Lagstyrda processer med tidsfrister; sociala frågor ses som någon annans ansvar.",
    ),
    OrganizationSeed(
        key="bjorkby",
        name="Björkby kommun",
        sector=Sector.MUNICIPALITY,
        org_number=org_number("212000903"),
        power=2,
        interest=4,
        resource_level=2,
        resources="Lokalkännedom, korta beslutsvägar och ett starkt föreningsliv.",
        drivers="Behålla unga och locka inflyttare; behöver samarbete för att klara kompetensförsörjningen.",
        constraints="Liten organisation där samma person bär många uppdrag; begränsad utredningskapacitet.",
    ),
    OrganizationSeed(
        key="bjorkby-bildning",
        name="Bildningsförvaltningen",
        sector=Sector.MUNICIPALITY,
        parent="bjorkby",
        power=2,
        interest=3,
        resource_level=2,
        resources="Grundskola, gymnasieskola och kulturskola.",
        drivers="Fler elever med gymnasieexamen och tidig kontakt med arbetslivet.",
        constraints="Lärarbrist; svårt att frigöra tid för utvecklingsarbete.",
    ),
    OrganizationSeed(
        key="lansstyrelsen",
        name="Länsstyrelsen i Mellanlands län",
        sector=Sector.STATE_AGENCY,
        org_number=org_number("202100901"),
        power=4,
        interest=2,
        resource_level=3,
        resources="Statliga utvecklingsmedel, tillsyn och samordning av statliga insatser i länet.",
        drivers="Regeringsuppdrag om samordning av etablering och krisberedskap i länet.",
        constraints="Styrs av regleringsbrevet; kan inte binda sig för insatser utanför uppdraget.",
    ),
    OrganizationSeed(
        key="universitet",
        name="Mellanlands universitet",
        sector=Sector.ACADEMIA,
        org_number=org_number("202100902"),
        power=2,
        interest=5,
        resource_level=4,
        resources="Forskning om välfärd och regional utveckling, examensarbeten och utvärderingskompetens.",
        drivers="Samverkan med det omgivande samhället och tillgång till forskningsnära data.",
        constraints="Forskningens tidsramar skiljer sig från kommunernas; meritsystemet belönar "
        "publicering före samverkan.",
    ),
    OrganizationSeed(
        key="energi",
        name="Norrström Energi AB",
        sector=Sector.BUSINESS,
        org_number=org_number("556900101"),
        power=2,
        interest=2,
        resource_level=4,
        resources="Praktikplatser, teknisk kompetens och sponsring.",
        drivers="Kompetensförsörjning av tekniker och ett gott rykte som lokal arbetsgivare.",
        constraints="Kvartalsstyrning; insatser måste kunna motiveras affärsmässigt.",
    ),
    OrganizationSeed(
        key="bostader",
        name="Ådala Bostäder AB",
        sector=Sector.BUSINESS,
        org_number=org_number("556900102"),
        power=3,
        interest=3,
        resource_level=3,
        resources="Lokaler i bostadsområdena, bovärdar och sommarjobb för unga.",
        drivers="Trygga bostadsområden och lägre omflyttning.",
        constraints="Ägardirektivet från kommunen styr vad bolaget får finansiera.",
    ),
    OrganizationSeed(
        key="konsult",
        name="Bergström & Lind Konsult AB",
        sector=Sector.BUSINESS,
        org_number=org_number("556900103"),
        power=1,
        interest=2,
        resource_level=2,
        resources="Processledning och utvärderingar.",
        drivers="Nya uppdrag inom offentlig sektor.",
        constraints="Deltar bara i den omfattning uppdraget är upphandlat.",
    ),
    OrganizationSeed(
        key="idrott",
        name="Mellanlands Idrottsförbund",
        sector=Sector.CIVIL_SOCIETY,
        org_number=org_number("802900101"),
        power=2,
        interest=4,
        resource_level=2,
        resources="Nätverk av idrottsföreningar, ledare och anläggningar i hela länet.",
        drivers="Fler barn och unga i föreningsidrott, särskilt i utsatta områden.",
        constraints="Bygger på ideella ledare; projektbidragen är kortsiktiga.",
    ),
    OrganizationSeed(
        key="studieforbund",
        name="Studieförbundet Framtid Mellanland",
        sector=Sector.CIVIL_SOCIETY,
        org_number=org_number("802900102"),
        power=1,
        interest=4,
        resource_level=2,
        resources="Studiecirklar, folkbildare och lokaler i alla kommuner.",
        drivers="Folkbildning för nyanlända och vuxna som saknar gymnasieutbildning.",
        constraints="Statsbidragets regler styr verksamheten; få anställda.",
    ),
    OrganizationSeed(
        key="hyresgaster",
        name="Hyresgästföreningen Region Mellanland",
        sector=Sector.CIVIL_SOCIETY,
        org_number=org_number("802900103"),
        power=2,
        interest=3,
        resource_level=1,
        resources="Lokala hyresgästföreningar och kunskap om de boendes behov.",
        drivers="Inflytande för de boende över upprustning och trygghet.",
        constraints="Få anställda; beroende av förtroendevalda som engagerar sig på fritiden.",
    ),
)


# Phone numbers from 070-174 06 05 – 070-174 06 99, which PTS reserves for use in fiction.
PEOPLE: tuple[PersonSeed, ...] = (
    # Region Mellanland
    PersonSeed(
        "karin.lindqvist@regionmellanland.example.se", "Karin", "Lindqvist", "region", "Regiondirektör", "070-174 06 05"
    ),
    PersonSeed(
        "anders.holm@regionmellanland.example.se",
        "Anders",
        "Holm",
        "region",
        "Samordnare för kommunsamverkan",
        "070-174 06 06",
    ),
    PersonSeed(
        "maria.ekstrom@regionmellanland.example.se",
        "Maria",
        "Ekström",
        "region-utveckling",
        "Förvaltningschef",
        "070-174 06 07",
    ),
    PersonSeed(
        "johan.berglund@regionmellanland.example.se",
        "Johan",
        "Berglund",
        "region-utveckling",
        "Utvecklingsledare",
        "070-174 06 08",
    ),
    PersonSeed(
        "leila.haddad@regionmellanland.example.se",
        "Leila",
        "Haddad",
        "region-utveckling",
        "Projektledare",
        "070-174 06 09",
    ),
    PersonSeed(
        "per.sandberg@regionmellanland.example.se",
        "Per",
        "Sandberg",
        "region-halsa",
        "Hälso- och sjukvårdsdirektör",
        "070-174 06 10",
    ),
    PersonSeed(
        "emma.nystrom@regionmellanland.example.se",
        "Emma",
        "Nyström",
        "region-halsa",
        "Folkhälsostrateg",
        "070-174 06 11",
    ),
    # Ådala kommun
    PersonSeed("lars.oberg@adala.example.se", "Lars", "Öberg", "adala", "Kommundirektör", "070-174 06 12"),
    PersonSeed("sofia.wikstrom@adala.example.se", "Sofia", "Wikström", "adala", "Samverkansledare", "070-174 06 13"),
    PersonSeed(
        "helena.forsberg@adala.example.se", "Helena", "Forsberg", "adala-social", "Förvaltningschef", "070-174 06 14"
    ),
    PersonSeed(
        "mikael.lundgren@adala.example.se",
        "Mikael",
        "Lundgren",
        "adala-social",
        "Verksamhetschef individ- och familjeomsorg",
        "070-174 06 15",
    ),
    PersonSeed(
        "amira.hassan@adala.example.se",
        "Amira",
        "Hassan",
        "adala-social",
        "Enhetschef försörjningsstöd",
        "070-174 06 16",
    ),
    PersonSeed(
        "peter.johansson@adala.example.se",
        "Peter",
        "Johansson",
        "adala-utbildning",
        "Förvaltningschef",
        "070-174 06 17",
        left_on=date(2025, 1, 31),
    ),
    PersonSeed(
        "linnea.dahl@adala.example.se",
        "Linnea",
        "Dahl",
        "adala-utbildning",
        "Utvecklingsledare vuxenutbildning",
        "070-174 06 18",
    ),
    # Sjöviks kommun
    PersonSeed("ulf.bergman@sjovik.example.se", "Ulf", "Bergman", "sjovik", "Kommundirektör", "070-174 06 19"),
    PersonSeed("annika.sjoberg@sjovik.example.se", "Annika", "Sjöberg", "sjovik", "Näringslivschef", "070-174 06 20"),
    PersonSeed(
        "fredrik.nilsson@sjovik.example.se", "Fredrik", "Nilsson", "sjovik-social", "Förvaltningschef", "070-174 06 21"
    ),
    PersonSeed(
        "sara.lindberg@sjovik.example.se",
        "Sara",
        "Lindberg",
        "sjovik-social",
        "Samordnare för fältverksamheten",
        "070-174 06 22",
    ),
    PersonSeed(
        "eva.hedlund@sjovik.example.se", "Eva", "Hedlund", "sjovik-stadsbyggnad", "Stadsbyggnadschef", "070-174 06 23"
    ),
    PersonSeed(
        "oskar.strand@sjovik.example.se", "Oskar", "Strand", "sjovik-stadsbyggnad", "Planarkitekt", "070-174 06 24"
    ),
    # Björkby kommun
    PersonSeed("ingrid.persson@bjorkby.example.se", "Ingrid", "Persson", "bjorkby", "Kommundirektör", "070-174 06 25"),
    PersonSeed("erik.lund@bjorkby.example.se", "Erik", "Lund", "bjorkby", "Utvecklingsledare", "070-174 06 26"),
    PersonSeed(
        "camilla.holmberg@bjorkby.example.se",
        "Camilla",
        "Holmberg",
        "bjorkby-bildning",
        "Förvaltningschef",
        "070-174 06 27",
    ),
    # Länsstyrelsen
    PersonSeed(
        "gunnar.axelsson@lst-mellanland.example.se",
        "Gunnar",
        "Axelsson",
        "lansstyrelsen",
        "Enhetschef regional tillväxt",
        "070-174 06 28",
    ),
    PersonSeed(
        "jenny.sundqvist@lst-mellanland.example.se",
        "Jenny",
        "Sundqvist",
        "lansstyrelsen",
        "Handläggare etablering och integration",
        "070-174 06 29",
    ),
    # Mellanlands universitet
    PersonSeed(
        "anna-karin.blom@mlu.example.se",
        "Anna-Karin",
        "Blom",
        "universitet",
        "Prorektor med ansvar för samverkan",
        "070-174 06 30",
    ),
    PersonSeed(
        "daniel.engstrom@mlu.example.se",
        "Daniel",
        "Engström",
        "universitet",
        "Forskare i socialt arbete",
        "070-174 06 31",
    ),
    PersonSeed(
        "priya.raman@mlu.example.se",
        "Priya",
        "Raman",
        "universitet",
        "Forskare i folkhälsovetenskap",
        "070-174 06 32",
        language=Language.ENGLISH,
    ),
    PersonSeed("martin.ek@mlu.example.se", "Martin", "Ek", "universitet", "Samverkansrådgivare", "070-174 06 33"),
    # Companies
    PersonSeed("tomas.wallin@norrstromenergi.example.se", "Tomas", "Wallin", "energi", "VD", "070-174 06 34"),
    PersonSeed(
        "marek.kowalski@norrstromenergi.example.se",
        "Marek",
        "Kowalski",
        "energi",
        "HR-chef",
        "070-174 06 35",
        language=Language.ENGLISH,
    ),
    PersonSeed("birgitta.olofsson@adalabostader.example.se", "Birgitta", "Olofsson", "bostader", "VD", "070-174 06 36"),
    PersonSeed("ahmed.ali@adalabostader.example.se", "Ahmed", "Ali", "bostader", "Områdeschef", "070-174 06 37"),
    PersonSeed(
        "sarah.mitchell@bergstromlind.example.se",
        "Sarah",
        "Mitchell",
        "konsult",
        "Seniorkonsult",
        "070-174 06 38",
        language=Language.ENGLISH,
    ),
    # Civil society
    PersonSeed(
        "jonas.hagglund@mellanlandsidrotten.example.se", "Jonas", "Hägglund", "idrott", "Ordförande", "070-174 06 39"
    ),
    PersonSeed(
        "elin.mattsson@mellanlandsidrotten.example.se",
        "Elin",
        "Mattsson",
        "idrott",
        "Utvecklingskonsulent",
        "070-174 06 40",
        left_on=date(2025, 6, 30),
    ),
    PersonSeed(
        "nils.akesson@framtid.example.se", "Nils", "Åkesson", "studieforbund", "Verksamhetschef", "070-174 06 41"
    ),
    PersonSeed("fatima.yusuf@framtid.example.se", "Fatima", "Yusuf", "studieforbund", "Projektledare", "070-174 06 42"),
    PersonSeed(
        "rolf.lindgren@hgf-mellanland.example.se", "Rolf", "Lindgren", "hyresgaster", "Ordförande", "070-174 06 43"
    ),
    PersonSeed(
        "maja.eriksson@hgf-mellanland.example.se", "Maja", "Eriksson", "hyresgaster", "Organisatör", "070-174 06 44"
    ),
)


@dataclass
class SeedCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass
class SeedSummary:
    """What one seeding run did, per model, in the order the models were seeded."""

    counts: dict[type[models.Model], SeedCounts] = field(default_factory=dict)

    def counts_for(self, model: type[models.Model]) -> SeedCounts:
        return self.counts.setdefault(model, SeedCounts())

    @property
    def changed(self) -> bool:
        return any(c.created or c.updated for c in self.counts.values())


@transaction.atomic
def seed_demo_register() -> SeedSummary:
    """Create or update the demo register through the services; matching rows are left alone."""
    summary = SeedSummary()
    organizations = _seed_organizations(summary)
    _seed_people(organizations, summary)
    return summary


def _seed_organizations(summary: SeedSummary) -> dict[str, Organization]:
    """Seed ORGANIZATIONS in order (parents first); return them by seed key."""
    organizations: dict[str, Organization] = {}
    for seed in ORGANIZATIONS:
        parent = organizations[seed.parent] if seed.parent else None
        if seed.org_number:
            existing = Organization.objects.filter(org_number=seed.org_number).first()
        else:
            existing = Organization.objects.filter(parent=parent, name__iexact=seed.name).first()
        values = {
            "name": seed.name,
            "org_number": seed.org_number,
            "sector": seed.sector,
            "parent": parent,
            "power": seed.power,
            "interest": seed.interest,
            "resource_level": seed.resource_level,
            "resources": seed.resources,
            "drivers": seed.drivers,
            "constraints": seed.constraints,
        }
        organizations[seed.key] = _create_or_update(
            existing, values, organization_create, organization_update, summary.counts_for(Organization)
        )
    return organizations


def _seed_people(organizations: dict[str, Organization], summary: SeedSummary) -> dict[str, Person]:
    """Seed PEOPLE; return them by e-mail."""
    people: dict[str, Person] = {}
    for seed in PEOPLE:
        values = {
            "first_name": seed.first_name,
            "last_name": seed.last_name,
            "email": seed.email,
            "phone": seed.phone,
            "organization": organizations[seed.organization],
            "title": seed.title,
            "language": seed.language,
            "left_on": seed.left_on,
        }
        existing = Person.objects.filter(email__iexact=seed.email).first()
        people[seed.email] = _create_or_update(
            existing, values, person_create, person_update, summary.counts_for(Person)
        )
    return people


def _create_or_update(
    existing: M | None,
    values: dict,
    create: Callable[..., M],
    update: Callable[..., M],
    counts: SeedCounts,
) -> M:
    """Create the row, or update only the fields that differ; an unchanged row is not saved at all."""
    if existing is None:
        counts.created += 1
        return create(**values)
    changed = _differing_values(existing, values)
    if not changed:
        counts.unchanged += 1
        return existing
    counts.updated += 1
    return update(instance=existing, **changed)


def _differing_values(instance: models.Model, values: dict) -> dict:
    """The part of ``values`` that differs from what ``instance`` holds (relations compared by id)."""
    differing = {}
    for name, wanted in values.items():
        model_field = instance._meta.get_field(name)
        if model_field.is_relation:
            current, wanted_value = getattr(instance, model_field.attname), getattr(wanted, "pk", None)
        else:
            current, wanted_value = getattr(instance, name), wanted
        if current != wanted_value:
            differing[name] = wanted
    return differing
