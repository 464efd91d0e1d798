"""Demo agreements over the demo register (ops/demo/register.py), and the service that seeds them.

Nine fictional agreements between the register's organisations. Some are sound — every role has a
deputy, every party has a decision or plan and a sponsor, every party has someone who may decide —
and some carry the risks the source text warns about (seeds/002: "Undvik pyspunka i samverkan"),
so the risk engine has something to find:

* ``KS 2025/0412`` Unga till arbete and ``RS 2025/0961`` Kompetensförsörjning vård och omsorg: sound.
* ``KS 2024/0188`` Lokalt näringslivsråd: one person holds nearly every role, without deputies
  (bus factor 1: "bättre att fler personer halvbrinner än att en person tokbrinner").
* ``851-4412-2025`` Föreningsliv för integration: Ådala kommun signed but has no internal anchoring
  at all — no decision, no plan, no sponsor ("gena förbi den interna förankringen").
* ``KS 2024/0871`` Trygg i centrum: a person who has left (Elin Mattsson) still holds a role and
  still represents her party.
* ``RS 2024/1307`` Innovationsarena hälsa: the review date has passed.
* ``RS 2023/0745`` Klimatomställning i länet: ends within 60 days of seeding.
* ``SN 2026/0093`` Samverkan kring barn och unga i riskzon: a draft being prepared.
* ``KS 2023/0517`` Mötesplats Norrby: terminated early.

People are referred to by e-mail and organisations by their seed ``key`` in ops/demo/register.py.

The rule for re-running (``make run`` seeds on every start):

* An agreement is found by its reference (diarienummer). A missing one is created whole — parties,
  representatives, responsibilities, anchorings, commitments — through the services, so every
  validation holds, and then taken through its lifecycle (activated, or activated and terminated).
* An agreement that already exists is left exactly as it is, with everything in it; its rows are
  counted as unchanged. Unlike the register, the agreements are not restored to their declared
  form: the demo invites users to fix the risks (hand a departed person's roles over, add the
  missing anchoring) and a re-run must not undo that or bring removed rows back.
* Dates are declared relative to the day the agreement is created (``FromToday``) so a fresh demo
  always has an overdue review and an agreement about to expire. They are fixed when the row is
  created and never moved afterwards, so re-running on a later day changes nothing either.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agreements.choices import AgreementStatus, Ambition, AnchoringKind, CommitmentStatus, Mandate, PartyRole
from agreements.choices import ResponsibilityKind as Kind
from agreements.models import Agreement, Anchoring, Commitment, Party, Representative, Responsibility
from agreements.services import agreement_activate, agreement_terminate, record_create
from ops.demo.register import ORGANIZATIONS, SeedSummary
from stakeholders.models import Organization, Person

# The models seeded here, in the order their summary lines are printed.
SEEDED_MODELS = (Agreement, Party, Representative, Responsibility, Anchoring, Commitment)


@dataclass(frozen=True)
class FromToday:
    """A date declared relative to the day its row is first created."""

    months: int = 0
    days: int = 0

    def on(self, today: date) -> date:
        return today + relativedelta(months=self.months, days=self.days)


def months(n: int) -> FromToday:
    return FromToday(months=n)


def days(n: int) -> FromToday:
    return FromToday(days=n)


DateSeed = FromToday | date | None


def resolve_date(value: DateSeed, today: date) -> date | None:
    return value.on(today) if isinstance(value, FromToday) else value


@dataclass(frozen=True)
class RepresentativeSeed:
    email: str
    mandate: Mandate
    hours_per_month: int | str  # whole or decimal hours, e.g. 4 or "2.5"
    is_primary: bool = False


@dataclass(frozen=True)
class AnchoringSeed:
    kind: AnchoringKind
    body: str = ""
    reference: str = ""
    date: DateSeed = None
    sponsor: str | None = None  # e-mail of the named manager, for kind SPONSOR
    note: str = ""


@dataclass(frozen=True)
class CommitmentSeed:
    description: str
    due_on: DateSeed
    status: CommitmentStatus = CommitmentStatus.PLANNED


@dataclass(frozen=True)
class PartySeed:
    organization: str  # key of an OrganizationSeed in ops/demo/register.py
    role: PartyRole
    contribution: str
    representatives: tuple[RepresentativeSeed, ...]
    anchorings: tuple[AnchoringSeed, ...] = ()
    commitments: tuple[CommitmentSeed, ...] = ()


@dataclass(frozen=True)
class ResponsibilitySeed:
    title: str
    kind: Kind
    responsible: str  # e-mail
    deputy: str | None = None  # e-mail
    description: str = ""


@dataclass(frozen=True)
class AgreementSeed:
    reference: str  # the natural key
    title: str
    purpose: str
    goals: str
    ambition: Ambition
    status: AgreementStatus  # draft, active or terminated
    valid_from: DateSeed
    valid_to: DateSeed
    next_review_on: DateSeed
    coordinator: str  # e-mail
    parties: tuple[PartySeed, ...]
    responsibilities: tuple[ResponsibilitySeed, ...]
    review_interval_months: int = 12
    assessment_interval_months: int = 12
    notice_period_months: int | None = 6
    terminated_on: DateSeed = None
    termination_reason: str = ""


def decision(body: str, reference: str, when: DateSeed, note: str = "") -> AnchoringSeed:
    return AnchoringSeed(AnchoringKind.DECISION, body=body, reference=reference, date=when, note=note)


def plan(body: str, reference: str, when: DateSeed, note: str = "") -> AnchoringSeed:
    return AnchoringSeed(AnchoringKind.PLAN, body=body, reference=reference, date=when, note=note)


def sponsor(email: str, note: str = "") -> AnchoringSeed:
    return AnchoringSeed(AnchoringKind.SPONSOR, sponsor=email, note=note)


def briefing(body: str, when: DateSeed, note: str = "") -> AnchoringSeed:
    return AnchoringSeed(AnchoringKind.BRIEFING, body=body, date=when, note=note)


def rep(email: str, mandate: Mandate, hours: int | str, primary: bool = False) -> RepresentativeSeed:
    return RepresentativeSeed(email, mandate, hours, primary)


DECIDE, PREPARE, NO_MANDATE = Mandate.DECIDE, Mandate.PREPARE, Mandate.NONE
PLANNED, IN_PROGRESS, DONE = CommitmentStatus.PLANNED, CommitmentStatus.IN_PROGRESS, CommitmentStatus.DONE
DELAYED, CANCELLED = CommitmentStatus.DELAYED, CommitmentStatus.CANCELLED

# People by e-mail (see ops/demo/register.py PEOPLE).
ANDERS = "anders.holm@regionmellanland.example.se"
MARIA = "maria.ekstrom@regionmellanland.example.se"
JOHAN = "johan.berglund@regionmellanland.example.se"
LEILA = "leila.haddad@regionmellanland.example.se"
PER = "per.sandberg@regionmellanland.example.se"
EMMA = "emma.nystrom@regionmellanland.example.se"
LARS = "lars.oberg@adala.example.se"
SOFIA = "sofia.wikstrom@adala.example.se"
HELENA = "helena.forsberg@adala.example.se"
MIKAEL = "mikael.lundgren@adala.example.se"
AMIRA = "amira.hassan@adala.example.se"
LINNEA = "linnea.dahl@adala.example.se"
ULF = "ulf.bergman@sjovik.example.se"
ANNIKA = "annika.sjoberg@sjovik.example.se"
FREDRIK = "fredrik.nilsson@sjovik.example.se"
SARA = "sara.lindberg@sjovik.example.se"
EVA = "eva.hedlund@sjovik.example.se"
OSKAR = "oskar.strand@sjovik.example.se"
INGRID = "ingrid.persson@bjorkby.example.se"
ERIK = "erik.lund@bjorkby.example.se"
CAMILLA = "camilla.holmberg@bjorkby.example.se"
GUNNAR = "gunnar.axelsson@lst-mellanland.example.se"
JENNY = "jenny.sundqvist@lst-mellanland.example.se"
ANNA_KARIN = "anna-karin.blom@mlu.example.se"
DANIEL = "daniel.engstrom@mlu.example.se"
PRIYA = "priya.raman@mlu.example.se"
MARTIN = "martin.ek@mlu.example.se"
TOMAS = "tomas.wallin@norrstromenergi.example.se"
MAREK = "marek.kowalski@norrstromenergi.example.se"
BIRGITTA = "birgitta.olofsson@adalabostader.example.se"
AHMED = "ahmed.ali@adalabostader.example.se"
SARAH = "sarah.mitchell@bergstromlind.example.se"
JONAS = "jonas.hagglund@mellanlandsidrotten.example.se"
ELIN = "elin.mattsson@mellanlandsidrotten.example.se"  # left 2025-06-30
NILS = "nils.akesson@framtid.example.se"
FATIMA = "fatima.yusuf@framtid.example.se"
ROLF = "rolf.lindgren@hgf-mellanland.example.se"
MAJA = "maja.eriksson@hgf-mellanland.example.se"


AGREEMENTS: tuple[AgreementSeed, ...] = (
    # --- sound: spread roles with deputies, complete anchoring, a decider for every party --------
    AgreementSeed(
        reference="KS 2025/0412",
        title="Unga till arbete",
        purpose="Fler unga vuxna i Ådala ska gå från försörjningsstöd till arbete eller studier genom ett "
        "gemensamt team där kommunen, regionen, näringslivet och folkbildningen gör var sin del.",
        goals="Minst 120 unga vuxna 18–29 år deltar per år.\n"
        "Hälften av deltagarna är i arbete eller studier sex månader efter avslutad insats.\n"
        "Tolv praktikplatser per år hos Norrström Energi.",
        ambition=Ambition.JOINT_ACTION,
        status=AgreementStatus.ACTIVE,
        valid_from=months(-14),
        valid_to=months(22),
        next_review_on=months(4),
        coordinator=SOFIA,
        parties=(
            PartySeed(
                "adala",
                PartyRole.OWNER,
                "Socialsekreterare och arbetsmarknadshandläggare i teamet, lokaler i Ådala centrum och "
                "vuxenutbildningens platser.",
                (rep(HELENA, DECIDE, 4, primary=True), rep(SOFIA, PREPARE, 40), rep(AMIRA, PREPARE, 16)),
                (
                    decision("Kommunstyrelsen", "KS 2025/0412 § 87", months(-15)),
                    plan("Kommunfullmäktige", "Budget och verksamhetsplan 2026, KF 2025/0398", months(-12)),
                    sponsor(LARS, "Kommundirektören äger frågan i kommunledningsgruppen."),
                ),
                (
                    CommitmentSeed("Två socialsekreterare på heltid i det gemensamma teamet", months(-12), DONE),
                    CommitmentSeed("Trettio platser per år i yrkesvux för deltagarna", months(2), IN_PROGRESS),
                ),
            ),
            PartySeed(
                "region",
                PartyRole.FINANCIER,
                "Medfinansiering ur anslaget för regional tillväxt, projektledning och analysstöd.",
                (rep(MARIA, DECIDE, 2, primary=True), rep(JOHAN, PREPARE, 12), rep(LEILA, PREPARE, 20)),
                (
                    decision("Regionala utvecklingsnämnden", "RUN 2025/0233 § 41", months(-15)),
                    sponsor(MARIA),
                ),
                (CommitmentSeed("Medfinansiering 1,2 mnkr per år under tre år", months(1), IN_PROGRESS),),
            ),
            PartySeed(
                "energi",
                PartyRole.PARTNER,
                "Praktikplatser, handledare och ett snabbspår till anställning som drifttekniker.",
                (rep(TOMAS, DECIDE, 2, primary=True), rep(MAREK, PREPARE, 8)),
                (
                    decision("Styrelsen för Norrström Energi AB", "Styrelseprotokoll 2025:8 § 6", months(-15)),
                    sponsor(TOMAS),
                ),
                (
                    CommitmentSeed("Tolv praktikplatser per år med utsedd handledare", months(1), IN_PROGRESS),
                    CommitmentSeed("Introduktionsdag för deltagarna på kraftvärmeverket", months(-3), DONE),
                ),
            ),
            PartySeed(
                "studieforbund",
                PartyRole.PARTNER,
                "Studiecirklar i svenska för yrkeslivet och studiemotivation för dem som saknar gymnasieexamen.",
                (rep(NILS, DECIDE, 4, primary=True), rep(FATIMA, PREPARE, 24)),
                (
                    plan("Styrelsen", "Verksamhetsplan 2026", months(-11)),
                    sponsor(NILS),
                ),
                (CommitmentSeed("Fyra studiecirklar per termin", months(3), IN_PROGRESS),),
            ),
        ),
        responsibilities=(
            ResponsibilitySeed(
                "Samordning av överenskommelsen",
                Kind.COORDINATION,
                SOFIA,
                AMIRA,
                "Kallar till styrgrupp och arbetsgrupp, håller ihop handlingsplanen.",
            ),
            ResponsibilitySeed("Ordförande i styrgruppen", Kind.STEERING, HELENA, MARIA),
            ResponsibilitySeed("Matchning mot praktikplatser", Kind.OPERATIONS, MAREK, LINNEA),
            ResponsibilitySeed("Studiecirklar och språkstöd", Kind.OPERATIONS, FATIMA, NILS),
            ResponsibilitySeed("Kommunikation och deltagarberättelser", Kind.COMMUNICATION, LEILA, SOFIA),
            ResponsibilitySeed("Ekonomi och rekvisition av medel", Kind.FINANCE, JOHAN, LEILA),
            ResponsibilitySeed("Uppföljning och årlig resultatrapport", Kind.FOLLOW_UP, AMIRA, LINNEA),
        ),
    ),
    AgreementSeed(
        reference="RS 2025/0961",
        title="Kompetensförsörjning vård och omsorg",
        purpose="Region och kommuner planerar kompetensförsörjningen i vård och omsorg tillsammans i stället "
        "för att konkurrera om samma undersköterskor och sjuksköterskor.",
        goals="En gemensam kompetensförsörjningsplan antagen av alla parter.\n"
        "Fler platser på vård- och omsorgscollege i Ådala och Björkby.\n"
        "Följeforskning från universitetet om vad som håller kvar personalen.",
        ambition=Ambition.COLLABORATION,
        status=AgreementStatus.ACTIVE,
        valid_from=months(-10),
        valid_to=months(26),
        next_review_on=months(2),
        coordinator=ANDERS,
        parties=(
            PartySeed(
                "region",
                PartyRole.OWNER,
                "Samordnare, verksamhetsförlagd utbildning i primärvården och statistik över personalbehov.",
                (rep(PER, DECIDE, 2, primary=True), rep(ANDERS, PREPARE, 20), rep(EMMA, PREPARE, 8)),
                (
                    decision("Regionstyrelsen", "RS 2025/0961 § 112", months(-11)),
                    sponsor(PER),
                ),
                (CommitmentSeed("Gemensam prognos över personalbehovet till 2030", months(-2), DONE),),
            ),
            PartySeed(
                "adala",
                PartyRole.PARTNER,
                "Praktikplatser i hemtjänst och särskilt boende, handledare och underlag om personalomsättning.",
                (rep(HELENA, DECIDE, 2, primary=True), rep(MIKAEL, PREPARE, 8)),
                (
                    decision("Socialnämnden", "SN 2025/0144 § 33", months(-11)),
                    sponsor(HELENA),
                ),
                (CommitmentSeed("Tjugo praktikplatser per termin", months(1), IN_PROGRESS),),
            ),
            PartySeed(
                "bjorkby",
                PartyRole.PARTNER,
                "Vård- och omsorgsprogrammet på gymnasiet och lokalkännedom om rekryteringsbasen.",
                (rep(INGRID, DECIDE, 2, primary=True), rep(CAMILLA, PREPARE, 6)),
                (
                    plan("Kommunfullmäktige", "Kompetensförsörjningsplan 2026–2028, KF 2025/0302", months(-12)),
                    sponsor(INGRID),
                    briefing("Kommunledningsgruppen", months(-10)),
                ),
                (CommitmentSeed("Vård- och omsorgscollege certifierat i Björkby", months(5), PLANNED),),
            ),
            PartySeed(
                "universitet",
                PartyRole.EXPERT,
                "Följeforskning och examensarbeten om arbetsmiljö och kvarstannande.",
                (rep(ANNA_KARIN, DECIDE, 1, primary=True), rep(DANIEL, PREPARE, 10), rep(PRIYA, PREPARE, 6)),
                (
                    decision("Rektor", "MLU 2025/1187", months(-11)),
                    sponsor(ANNA_KARIN),
                ),
                (CommitmentSeed("Delrapport från följeforskningen", months(-1), DELAYED),),
            ),
        ),
        responsibilities=(
            ResponsibilitySeed("Samordning av överenskommelsen", Kind.COORDINATION, ANDERS, EMMA),
            ResponsibilitySeed("Ordförande i styrgruppen", Kind.STEERING, PER, HELENA),
            ResponsibilitySeed("Gemensam kompetensförsörjningsplan", Kind.OPERATIONS, MIKAEL, CAMILLA),
            ResponsibilitySeed("Vård- och omsorgscollege och praktik", Kind.OPERATIONS, CAMILLA, LINNEA),
            ResponsibilitySeed("Rekryteringskampanj i länet", Kind.COMMUNICATION, EMMA, ANDERS),
            ResponsibilitySeed("Finansiering och ansökningar", Kind.FINANCE, JOHAN, ANDERS),
            ResponsibilitySeed("Följeforskning och uppföljning", Kind.FOLLOW_UP, DANIEL, PRIYA),
        ),
    ),
    # --- risk: one person carries everything (bus factor 1) ----------------------------------------
    AgreementSeed(
        reference="KS 2024/0188",
        title="Lokalt näringslivsråd",
        purpose="Ett forum där Björkby kommun och företagen på orten regelbundet möts om etableringar, "
        "kompetensförsörjning och kommunens service till näringslivet.",
        goals="Fyra rådsmöten per år.\nEn gemensam handlingsplan för näringslivsklimatet.\n"
        "Bättre placering i näringslivsrankningen.",
        ambition=Ambition.DIALOGUE,
        status=AgreementStatus.ACTIVE,
        valid_from=months(-24),
        valid_to=months(12),
        next_review_on=months(4),
        coordinator=ERIK,
        parties=(
            PartySeed(
                "bjorkby",
                PartyRole.OWNER,
                "Utvecklingsledare för rådet, lokaler och kommunens beslutsfattare vid mötena.",
                (rep(INGRID, DECIDE, 1, primary=True), rep(ERIK, PREPARE, 30)),
                (
                    decision("Kommunstyrelsen", "KS 2024/0188 § 54", months(-25)),
                    sponsor(INGRID),
                ),
                (CommitmentSeed("Handlingsplan för näringslivsklimatet", months(-2), DELAYED),),
            ),
            PartySeed(
                "energi",
                PartyRole.PARTNER,
                "Företagens röst i rådet och värdskap för vartannat möte.",
                (rep(TOMAS, DECIDE, 2, primary=True),),
                (
                    decision("Styrelsen för Norrström Energi AB", "Styrelseprotokoll 2024:10 § 9", months(-25)),
                    sponsor(TOMAS),
                ),
            ),
            PartySeed(
                "konsult",
                PartyRole.EXPERT,
                "Processledning av rådets workshoppar enligt upphandlat uppdrag.",
                (rep(SARAH, DECIDE, 6, primary=True),),
                (
                    plan("Björkby kommun", "Uppdragsavtal om processledning, KS 2024/0101", months(-25)),
                    sponsor(SARAH, "Uppdragsansvarig konsult."),
                ),
            ),
        ),
        responsibilities=(
            ResponsibilitySeed("Samordning av rådet", Kind.COORDINATION, ERIK),
            ResponsibilitySeed("Beredning av rådets möten", Kind.STEERING, ERIK),
            ResponsibilitySeed("Företagsbesök och nätverksträffar", Kind.OPERATIONS, ERIK),
            ResponsibilitySeed("Nyhetsbrev och webb", Kind.COMMUNICATION, ERIK),
            ResponsibilitySeed("Uppföljning av handlingsplanen", Kind.FOLLOW_UP, ERIK),
            ResponsibilitySeed("Processledning av workshoppar", Kind.OPERATIONS, SARAH, ERIK),
        ),
    ),
    # --- risk: a party without any internal anchoring ----------------------------------------------
    AgreementSeed(
        reference="851-4412-2025",
        title="Föreningsliv för integration",
        purpose="Nyanlända i Ådala ska hitta in i föreningslivet och folkbildningen, där språk, nätverk och "
        "vägar till arbete växer fram.",
        goals="200 nyanlända per år får en föreningsguide.\n"
        "Minst 30 föreningar tar emot nya medlemmar via guiderna.\n"
        "Studiecirklar i svenska på fem orter.",
        ambition=Ambition.COLLABORATION,
        status=AgreementStatus.ACTIVE,
        valid_from=months(-13),
        valid_to=months(11),
        next_review_on=months(5),
        coordinator=JENNY,
        parties=(
            PartySeed(
                "lansstyrelsen",
                PartyRole.FINANCIER,
                "Statliga medel för etableringsinsatser och samordning med övriga statliga aktörer.",
                (rep(GUNNAR, DECIDE, 2, primary=True), rep(JENNY, PREPARE, 16)),
                (
                    decision("Länsledningen", "851-4412-2025", months(-14)),
                    sponsor(GUNNAR),
                ),
                (CommitmentSeed("Etableringsmedel 800 tkr för verksamhetsåret", months(-6), DONE),),
            ),
            PartySeed(
                "adala",
                PartyRole.PARTNER,
                "Kontakt med nyanlända via sfi och socialtjänsten, föreningsbidrag och lokaler.",
                (rep(SOFIA, DECIDE, 24, primary=True),),
                # Deliberately no anchoring: the samverkansledare signed and runs the work, but it is in
                # no decision or plan and no manager has taken ownership of it.
                (),
                (CommitmentSeed("Introduktion till föreningslivet i sfi-undervisningen", months(2), PLANNED),),
            ),
            PartySeed(
                "studieforbund",
                PartyRole.PARTNER,
                "Studiecirklar i svenska och utbildning av föreningsguider.",
                (rep(NILS, DECIDE, 2, primary=True), rep(FATIMA, PREPARE, 20)),
                (
                    plan("Styrelsen", "Verksamhetsplan 2026", months(-12)),
                    sponsor(NILS),
                ),
                (CommitmentSeed("Tjugo utbildade föreningsguider", months(1), IN_PROGRESS),),
            ),
            PartySeed(
                "idrott",
                PartyRole.PARTNER,
                "Idrottsföreningar som tar emot nya medlemmar, ledarutbildning och anläggningstider.",
                (rep(JONAS, DECIDE, 4, primary=True),),
                (
                    decision("Förbundsstyrelsen", "FS 2025:9 § 12", months(-14)),
                    sponsor(JONAS),
                ),
                (CommitmentSeed("Prova-på-dagar i tio föreningar", months(3), PLANNED),),
            ),
        ),
        responsibilities=(
            ResponsibilitySeed("Samordning av överenskommelsen", Kind.COORDINATION, JENNY, GUNNAR),
            ResponsibilitySeed("Ordförande i styrgruppen", Kind.STEERING, GUNNAR, NILS),
            ResponsibilitySeed("Föreningsguider och introduktion", Kind.OPERATIONS, FATIMA, JONAS),
            ResponsibilitySeed("Kontakt med kommunens verksamheter", Kind.OPERATIONS, SOFIA, AMIRA),
            ResponsibilitySeed("Information på flera språk", Kind.COMMUNICATION, FATIMA, SOFIA),
            ResponsibilitySeed("Redovisning av statliga medel", Kind.FINANCE, JENNY, GUNNAR),
        ),
    ),
    # --- risk: a person who has left still holds a role --------------------------------------------
    AgreementSeed(
        reference="KS 2024/0871",
        title="Trygg i centrum",
        purpose="Sjöviks centrum ska kännas tryggt för alla, också kvällstid, genom att kommunen, föreningslivet "
        "och de boende gör gemensamma insatser.",
        goals="Andelen som känner sig trygga i centrum kvällstid ökar i trygghetsmätningen.\n"
        "Kvällsaktiviteter för unga tre kvällar i veckan.\n"
        "Två trygghetsvandringar per år med åtgärdslista.",
        ambition=Ambition.COLLABORATION,
        status=AgreementStatus.ACTIVE,
        valid_from=months(-28),
        valid_to=months(8),
        next_review_on=months(3),
        coordinator=SARA,
        parties=(
            PartySeed(
                "sjovik",
                PartyRole.OWNER,
                "Fältverksamheten, belysning och stadsmiljö, trygghetsmätningen.",
                (rep(FREDRIK, DECIDE, 2, primary=True), rep(SARA, PREPARE, 24), rep(OSKAR, PREPARE, 4)),
                (
                    decision("Kommunstyrelsen", "KS 2024/0871 § 201", months(-29)),
                    plan("Kommunfullmäktige", "Trygghetsplan 2025–2027", months(-24)),
                    sponsor(ULF),
                ),
                (
                    CommitmentSeed("Ny belysning i gångtunneln vid resecentrum", months(-5), DONE),
                    CommitmentSeed("Fältassistenter i centrum fredag och lördag kväll", months(2), IN_PROGRESS),
                ),
            ),
            PartySeed(
                "idrott",
                PartyRole.PARTNER,
                "Kvällsaktiviteter i idrottshallen och ledare från föreningarna.",
                # Elin Mattsson left the förbund, but nobody took over her place or her role.
                (rep(JONAS, DECIDE, 2, primary=True), rep(ELIN, PREPARE, 16)),
                (
                    decision("Förbundsstyrelsen", "FS 2024:5 § 7", months(-29)),
                    sponsor(JONAS),
                ),
                (CommitmentSeed("Öppen hall tre kvällar i veckan", months(1), DELAYED),),
            ),
            PartySeed(
                "hyresgaster",
                PartyRole.PARTNER,
                "De boendes kunskap om otrygga platser och lokala hyresgästföreningar som arrangerar vandringar.",
                (rep(ROLF, DECIDE, 2, primary=True), rep(MAJA, PREPARE, 10)),
                (
                    decision("Regionstyrelsen i Hyresgästföreningen", "Protokoll 2024:4 § 15", months(-29)),
                    sponsor(ROLF),
                ),
                (CommitmentSeed("Två trygghetsvandringar per år", months(4), IN_PROGRESS),),
            ),
        ),
        responsibilities=(
            ResponsibilitySeed("Samordning av överenskommelsen", Kind.COORDINATION, SARA, FREDRIK),
            ResponsibilitySeed("Ordförande i styrgruppen", Kind.STEERING, FREDRIK, JONAS),
            ResponsibilitySeed(
                "Kvällsaktiviteter för unga",
                Kind.OPERATIONS,
                ELIN,
                JONAS,
                "Schema, ledare och kontakt med fältassistenterna.",
            ),
            ResponsibilitySeed("Trygghetsvandringar", Kind.OPERATIONS, MAJA, OSKAR),
            ResponsibilitySeed("Belysning och stadsmiljö", Kind.OPERATIONS, OSKAR, EVA),
            ResponsibilitySeed("Kommunikation med de boende", Kind.COMMUNICATION, MAJA, ROLF),
            ResponsibilitySeed("Uppföljning av trygghetsmätningen", Kind.FOLLOW_UP, SARA, ANNIKA),
        ),
    ),
    # --- risk: the review date has passed ------------------------------------------------------------
    AgreementSeed(
        reference="RS 2024/1307",
        title="Innovationsarena hälsa",
        purpose="En arena där vården, forskningen och kommunen tillsammans prövar nya arbetssätt för "
        "förebyggande hälsa innan de sprids i länet.",
        goals="Tre testbäddar i primärvården per år.\n"
        "Varje test utvärderas av universitetet.\n"
        "Minst ett arbetssätt per år tas i ordinarie drift.",
        ambition=Ambition.COLLABORATION,
        status=AgreementStatus.ACTIVE,
        valid_from=months(-26),
        valid_to=months(10),
        next_review_on=months(-2),
        coordinator=EMMA,
        parties=(
            PartySeed(
                "region",
                PartyRole.OWNER,
                "Testbäddar i primärvården, folkhälsostrateg och data från vården.",
                (rep(PER, DECIDE, 2, primary=True), rep(EMMA, PREPARE, 20)),
                (
                    decision("Hälso- och sjukvårdsnämnden", "HSN 2024/0877 § 140", months(-27)),
                    sponsor(PER),
                ),
                (CommitmentSeed("Tre testbäddar per år", months(1), IN_PROGRESS),),
            ),
            PartySeed(
                "universitet",
                PartyRole.PARTNER,
                "Utvärdering, forskningsetisk prövning och studenter.",
                (rep(ANNA_KARIN, DECIDE, 1, primary=True), rep(PRIYA, PREPARE, 16), rep(MARTIN, PREPARE, 8)),
                (
                    decision("Rektor", "MLU 2024/2210", months(-27)),
                    sponsor(ANNA_KARIN),
                ),
                (CommitmentSeed("Utvärdering av varje testbädd", months(-1), DELAYED),),
            ),
            PartySeed(
                "sjovik",
                PartyRole.PARTNER,
                "Behovsägare från socialtjänsten och tillgång till målgrupper.",
                (rep(FREDRIK, DECIDE, 2, primary=True), rep(SARA, PREPARE, 6)),
                (
                    decision("Socialnämnden", "SN 2024/0311 § 72", months(-27)),
                    sponsor(FREDRIK),
                ),
            ),
        ),
        responsibilities=(
            ResponsibilitySeed("Samordning av innovationsarenan", Kind.COORDINATION, EMMA, MARTIN),
            ResponsibilitySeed("Ordförande i styrgruppen", Kind.STEERING, PER, ANNA_KARIN),
            ResponsibilitySeed("Testbäddar i primärvården", Kind.OPERATIONS, PRIYA, EMMA),
            ResponsibilitySeed("Kommunens behovsägare", Kind.OPERATIONS, SARA, FREDRIK),
            ResponsibilitySeed("Kommunikation och omvärldsbevakning", Kind.COMMUNICATION, MARTIN, EMMA),
            ResponsibilitySeed("Utvärdering och forskningsetik", Kind.FOLLOW_UP, PRIYA, DANIEL),
        ),
    ),
    # --- risk: ends within 60 days ----------------------------------------------------------------
    AgreementSeed(
        reference="RS 2023/0745",
        title="Klimatomställning i länet",
        purpose="Region, stat, kommun, näringsliv och akademi samlar sig kring länets klimatmål och delar "
        "kunskap om energieffektivisering och elektrifiering.",
        goals="En gemensam bild av länets utsläpp och energibehov.\n"
        "Samordnade ansökningar om EU-medel.\n"
        "Klimatrådet möts två gånger per år.",
        ambition=Ambition.SHARED_VIEW,
        status=AgreementStatus.ACTIVE,
        valid_from=months(-35),
        valid_to=days(45),
        next_review_on=days(30),
        coordinator=JOHAN,
        parties=(
            PartySeed(
                "region",
                PartyRole.OWNER,
                "Processledning av klimatrådet och regional klimatstatistik.",
                (rep(MARIA, DECIDE, 2, primary=True), rep(JOHAN, PREPARE, 16)),
                (
                    decision("Regionala utvecklingsnämnden", "RUN 2023/0412 § 88", months(-36)),
                    plan("Regionfullmäktige", "Regional klimat- och energistrategi 2030", months(-40)),
                    sponsor(MARIA),
                ),
                (CommitmentSeed("Årlig klimatrapport för länet", months(-1), DONE),),
            ),
            PartySeed(
                "lansstyrelsen",
                PartyRole.PARTNER,
                "Energi- och klimatrådgivning och statliga klimatinvesteringsmedel.",
                (rep(GUNNAR, DECIDE, 2, primary=True),),
                (
                    decision("Länsledningen", "501-6120-2023", months(-36)),
                    sponsor(GUNNAR),
                ),
            ),
            PartySeed(
                "sjovik",
                PartyRole.PARTNER,
                "Energieffektivisering i kommunens fastigheter och planering för laddinfrastruktur.",
                (rep(EVA, DECIDE, 2, primary=True), rep(OSKAR, PREPARE, 6)),
                (
                    plan("Kommunfullmäktige", "Energi- och klimatplan 2024–2030, KF 2023/0550", months(-37)),
                    sponsor(EVA),
                ),
                (CommitmentSeed("Energikartläggning av alla skolor", months(-4), DONE),),
            ),
            PartySeed(
                "energi",
                PartyRole.PARTNER,
                "Nätkapacitet, energidata och teknisk kompetens.",
                (rep(TOMAS, DECIDE, 1, primary=True), rep(MAREK, NO_MANDATE, 2)),
                (
                    decision("Styrelsen för Norrström Energi AB", "Styrelseprotokoll 2023:11 § 4", months(-36)),
                    sponsor(TOMAS),
                ),
                (CommitmentSeed("Nätkapacitetskarta för länets kommuner", months(-2), DELAYED),),
            ),
            PartySeed(
                "universitet",
                PartyRole.EXPERT,
                "Forskning om energiomställning och analysstöd.",
                (rep(ANNA_KARIN, DECIDE, 1, primary=True), rep(MARTIN, PREPARE, 6)),
                (
                    decision("Rektor", "MLU 2023/3011", months(-36)),
                    sponsor(ANNA_KARIN),
                ),
            ),
        ),
        responsibilities=(
            ResponsibilitySeed("Samordning av klimatrådet", Kind.COORDINATION, JOHAN, LEILA),
            ResponsibilitySeed("Beredning av klimatrådets möten", Kind.STEERING, MARIA, GUNNAR),
            ResponsibilitySeed("Energieffektivisering i kommunala fastigheter", Kind.OPERATIONS, OSKAR, EVA),
            ResponsibilitySeed("Laddinfrastruktur och elnät", Kind.OPERATIONS, TOMAS, MAREK),
            ResponsibilitySeed("Kommunikation om klimatarbetet", Kind.COMMUNICATION, LEILA, JOHAN),
            ResponsibilitySeed("Klimatstatistik och uppföljning", Kind.FOLLOW_UP, MARTIN, JOHAN),
            ResponsibilitySeed("Ansökningar om EU-medel", Kind.FINANCE, GUNNAR, MARIA),
        ),
    ),
    # --- a draft being prepared -------------------------------------------------------------------
    AgreementSeed(
        reference="SN 2026/0093",
        title="Samverkan kring barn och unga i riskzon",
        purpose="Socialtjänsten, barn- och ungdomspsykiatrin och föreningslivet i Sjövik ska upptäcka barn "
        "och unga i riskzon tidigare och ge dem en sammanhållen insats.",
        goals="En gemensam väg in för orosanmälningar som rör unga 12–18 år.\n"
        "Samordnad individuell plan inom fyra veckor.\n"
        "Varje ung person i insatsen erbjuds en meningsfull fritidsaktivitet.",
        ambition=Ambition.COLLABORATION,
        status=AgreementStatus.DRAFT,
        valid_from=months(2),
        valid_to=months(38),
        next_review_on=None,
        coordinator=SARA,
        parties=(
            PartySeed(
                "sjovik",
                PartyRole.OWNER,
                "Socialsekreterare och fältassistenter i ett gemensamt team.",
                (rep(FREDRIK, PREPARE, 2, primary=True), rep(SARA, PREPARE, 16)),
                (briefing("Socialförvaltningens ledningsgrupp", months(-1)),),
                (CommitmentSeed("Beslutsunderlag till socialnämnden", months(1), IN_PROGRESS),),
            ),
            PartySeed(
                "region",
                PartyRole.PARTNER,
                "Barn- och ungdomspsykiatrins medverkan och en folkhälsostrateg.",
                (rep(EMMA, PREPARE, 8, primary=True),),
                (briefing("Förvaltningsledningen för hälso- och sjukvård", days(-20)),),
            ),
            PartySeed(
                "idrott",
                PartyRole.PARTNER,
                "Föreningar som tar emot unga och ledare med erfarenhet av målgruppen.",
                (rep(JONAS, DECIDE, 2, primary=True),),
            ),
        ),
        responsibilities=(
            ResponsibilitySeed("Samordning av det gemensamma teamet", Kind.COORDINATION, SARA, FREDRIK),
            ResponsibilitySeed("Barn- och ungdomspsykiatrins medverkan", Kind.OPERATIONS, EMMA),
            ResponsibilitySeed("Fritidsaktiviteter via föreningar", Kind.OPERATIONS, JONAS),
        ),
    ),
    # --- terminated early --------------------------------------------------------------------------
    AgreementSeed(
        reference="KS 2023/0517",
        title="Mötesplats Norrby",
        purpose="En öppen mötesplats på Norrbytorget där boende, kommunen och bostadsbolaget möts och där "
        "de boende själva driver aktiviteter.",
        goals="Öppet tre kvällar i veckan.\nMinst hälften av aktiviteterna drivs av boende.",
        ambition=Ambition.JOINT_ACTION,
        status=AgreementStatus.TERMINATED,
        valid_from=months(-40),
        valid_to=months(8),
        next_review_on=months(2),
        coordinator=MIKAEL,
        terminated_on=months(-4),
        termination_reason="Ådala Bostäder AB sålde fastigheten på Norrbytorget och lokalen försvann. Parterna "
        "kom överens om att avsluta överenskommelsen i förtid; aktiviteterna för unga flyttar in i "
        "Unga till arbete.",
        parties=(
            PartySeed(
                "adala",
                PartyRole.OWNER,
                "Socialtjänstens öppna verksamhet och en samordnare.",
                (rep(MIKAEL, DECIDE, 4, primary=True), rep(AMIRA, PREPARE, 8)),
                (
                    decision("Kommunstyrelsen", "KS 2023/0517 § 130", months(-41)),
                    sponsor(HELENA),
                ),
                (CommitmentSeed("Personal på mötesplatsen tre kvällar i veckan", months(-6), DONE),),
            ),
            PartySeed(
                "bostader",
                PartyRole.PARTNER,
                "Lokalen på Norrbytorget utan hyra och bovärdar.",
                (rep(BIRGITTA, DECIDE, 1, primary=True), rep(AHMED, PREPARE, 12)),
                (
                    decision("Styrelsen för Ådala Bostäder AB", "Styrelseprotokoll 2023:6 § 8", months(-41)),
                    sponsor(BIRGITTA),
                ),
                (CommitmentSeed("Lokal på Norrbytorget utan hyra", months(8), CANCELLED),),
            ),
            PartySeed(
                "hyresgaster",
                PartyRole.PARTNER,
                "Boende som driver aktiviteter och den lokala hyresgästföreningen.",
                (rep(ROLF, DECIDE, 2, primary=True), rep(MAJA, PREPARE, 8)),
                (
                    decision("Regionstyrelsen i Hyresgästföreningen", "Protokoll 2023:5 § 11", months(-41)),
                    sponsor(ROLF),
                ),
            ),
        ),
        responsibilities=(
            ResponsibilitySeed("Samordning av mötesplatsen", Kind.COORDINATION, MIKAEL, AMIRA),
            ResponsibilitySeed("Lokal och drift", Kind.OPERATIONS, AHMED, BIRGITTA),
            ResponsibilitySeed("Aktiviteter med de boende", Kind.OPERATIONS, MAJA, ROLF),
            ResponsibilitySeed("Uppföljning", Kind.FOLLOW_UP, AMIRA, MIKAEL),
        ),
    ),
)


@transaction.atomic
def seed_demo_agreements(*, today: date | None = None) -> SeedSummary:
    """Create the demo agreements that do not exist yet (by reference); existing ones are left alone.

    Needs the demo register (``ops.demo.register.seed_demo_register``) to be loaded first.
    """
    today = today or timezone.localdate()
    summary = SeedSummary()
    for model in SEEDED_MODELS:
        summary.counts_for(model)
    existing = set(
        Agreement.objects.filter(reference__in=[seed.reference for seed in AGREEMENTS]).values_list(
            "reference", flat=True
        )
    )
    missing = [seed for seed in AGREEMENTS if seed.reference not in existing]
    organizations, people = _register(missing)
    for seed in AGREEMENTS:
        if seed.reference in existing:
            _count_declared(seed, summary, "unchanged")
        else:
            _create_agreement(seed, organizations, people, today)
            _count_declared(seed, summary, "created")
    return summary


def _create_agreement(
    seed: AgreementSeed, organizations: dict[str, Organization], people: dict[str, Person], today: date
) -> Agreement:
    """Create the agreement as a draft with all its rows, then take it through its lifecycle."""
    agreement = record_create(
        model=Agreement,
        title=seed.title,
        reference=seed.reference,
        purpose=seed.purpose,
        goals=seed.goals,
        ambition=seed.ambition,
        valid_from=resolve_date(seed.valid_from, today),
        valid_to=resolve_date(seed.valid_to, today),
        notice_period_months=seed.notice_period_months,
        review_interval_months=seed.review_interval_months,
        next_review_on=resolve_date(seed.next_review_on, today),
        assessment_interval_months=seed.assessment_interval_months,
        coordinator=people[seed.coordinator],
    )
    for party_seed in seed.parties:
        party = record_create(
            model=Party,
            agreement=agreement,
            organization=organizations[party_seed.organization],
            role=party_seed.role,
            contribution=party_seed.contribution,
        )
        for rep_seed in party_seed.representatives:
            record_create(
                model=Representative,
                party=party,
                person=people[rep_seed.email],
                mandate=rep_seed.mandate,
                hours_per_month=Decimal(str(rep_seed.hours_per_month)),
                is_primary=rep_seed.is_primary,
            )
        for anchoring_seed in party_seed.anchorings:
            record_create(
                model=Anchoring,
                party=party,
                kind=anchoring_seed.kind,
                body=anchoring_seed.body,
                reference=anchoring_seed.reference,
                date=resolve_date(anchoring_seed.date, today),
                person=people[anchoring_seed.sponsor] if anchoring_seed.sponsor else None,
                note=anchoring_seed.note,
            )
        for commitment_seed in party_seed.commitments:
            record_create(
                model=Commitment,
                party=party,
                description=commitment_seed.description,
                due_on=resolve_date(commitment_seed.due_on, today),
                status=commitment_seed.status,
            )
    for role_seed in seed.responsibilities:
        record_create(
            model=Responsibility,
            agreement=agreement,
            title=role_seed.title,
            kind=role_seed.kind,
            description=role_seed.description,
            responsible=people[role_seed.responsible],
            deputy=people[role_seed.deputy] if role_seed.deputy else None,
        )
    if seed.status == AgreementStatus.DRAFT:
        return agreement
    if seed.status not in (AgreementStatus.ACTIVE, AgreementStatus.TERMINATED):
        raise ValueError(f"demo agreement {seed.reference}: status {seed.status} cannot be seeded")
    agreement = agreement_activate(agreement=agreement)
    if seed.status == AgreementStatus.TERMINATED:
        agreement = agreement_terminate(
            agreement=agreement, on=resolve_date(seed.terminated_on, today), reason=seed.termination_reason
        )
    return agreement


def _count_declared(seed: AgreementSeed, summary: SeedSummary, outcome: str) -> None:
    """Count the agreement and every row declared in it as ``outcome`` (created or unchanged)."""
    sizes = {
        Agreement: 1,
        Party: len(seed.parties),
        Representative: sum(len(p.representatives) for p in seed.parties),
        Responsibility: len(seed.responsibilities),
        Anchoring: sum(len(p.anchorings) for p in seed.parties),
        Commitment: sum(len(p.commitments) for p in seed.parties),
    }
    for model, size in sizes.items():
        counts = summary.counts_for(model)
        setattr(counts, outcome, getattr(counts, outcome) + size)


def _register(seeds: list[AgreementSeed]) -> tuple[dict[str, Organization], dict[str, Person]]:
    """The register's organisations (by seed key) and people (by e-mail) that ``seeds`` refer to."""
    org_keys, emails = set(), set()
    for seed in seeds:
        emails.add(seed.coordinator)
        emails.update(r.responsible for r in seed.responsibilities)
        emails.update(r.deputy for r in seed.responsibilities if r.deputy)
        for party in seed.parties:
            org_keys.add(party.organization)
            emails.update(r.email for r in party.representatives)
            emails.update(a.sponsor for a in party.anchorings if a.sponsor)

    organizations: dict[str, Organization] = {}
    for org_seed in ORGANIZATIONS:  # parents are declared before their children
        if org_seed.org_number:
            found = Organization.objects.filter(org_number=org_seed.org_number).first()
        elif org_seed.parent in organizations:
            found = Organization.objects.filter(
                parent=organizations[org_seed.parent], name__iexact=org_seed.name
            ).first()
        else:
            found = None
        if found is not None:
            organizations[org_seed.key] = found
    people = {}
    for email in emails:
        found = Person.objects.filter(email__iexact=email).first()
        if found is not None:
            people[email] = found

    absent = sorted(org_keys - set(organizations)) + sorted(emails - set(people))
    if absent:
        raise ValidationError(
            _("The demo register is not loaded or lacks %(missing)s; load the demo register first.")
            % {"missing": ", ".join(absent)}
        )
    return organizations, people
