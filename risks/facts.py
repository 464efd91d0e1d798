"""Loading the portfolio for a scan: the facts the rules read, with a fixed number of plain queries whatever
the size of the portfolio (one per table, as tuples, no model instances), for the whole portfolio or one chunk
of agreement ids."""

from __future__ import annotations

import re
from collections import defaultdict

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.db.models import (
    CharField,
    Count,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
)
from django.db.models.functions import Cast, Coalesce, NullIf
from django.utils import timezone

from agreements.choices import AgreementStatus
from agreements.models import Agreement, Anchoring, Party, Representative, Responsibility
from assessments.choices import ItemKind
from assessments.models import Band, Instrument, Item
from risks import engine
from samverkan_project.validators import ID_MAX
from stakeholders.models import Organization, Person

# Agreements a scan reads: rules decide per status; closed agreements only have flags to resolve.
SCANNED_STATUSES = (AgreementStatus.DRAFT, AgreementStatus.ACTIVE)


def risk_limits() -> dict:
    """The thresholds the rules read: every RISK_* setting and the expiry window."""
    limits = {name: getattr(settings, name) for name in dir(settings) if name.startswith("RISK_")}
    limits["AGREEMENT_EXPIRING_WITHIN_DAYS"] = settings.AGREEMENT_EXPIRING_WITHIN_DAYS
    return limits


def scan_context(today=None) -> engine.ScanContext:
    """Who has left, which organisations lie inside which, and the instruments with their scored items and
    result bands: one query (a UNION ALL of the small reads, so loaders and rules add none of their own)."""
    today = today or timezone.localdate()
    no_int, no_text = Cast(Value(None), IntegerField()), Value("", output_field=CharField())

    def kind(code: str) -> Value:
        return Value(code, output_field=CharField())

    def named(*fields: str) -> Coalesce:
        """The first of ``fields`` that is not empty."""
        return Coalesce(*(NullIf(name, Value("")) for name in fields[:-1]), fields[-1], output_field=CharField())

    departed = (
        Person.objects.departed(on=today)
        .order_by()
        .values_list(kind("p"), "id", no_int, no_int, no_text, no_text, no_text)
    )
    parents = (
        Organization.objects.filter(parent__isnull=False)
        .order_by()
        .values_list(kind("o"), "id", "parent_id", no_int, no_text, no_text, no_text)
    )
    bands = Band.objects.order_by().values_list(
        kind("b"), "instrument_id", "min_total", "max_total", "label_sv", "label_en", no_text
    )
    instruments = Instrument.objects.order_by().values_list(
        kind("n"), "id", "scale_min", "scale_max", "name_sv", "name_en", "code"
    )
    items = (
        Item.objects.filter(kind=ItemKind.SCALE)
        .order_by()
        .values_list(
            kind("i"),
            "id",
            "position",
            "instrument_id",
            named("label_sv", "text_sv"),
            named("label_en", "text_en", "label_sv", "text_sv"),
            no_text,
        )
    )
    people, parent_of, bands_of, instruments_of, items_of = set(), {}, defaultdict(list), {}, {}
    for row_kind, key, first, second, text_sv, text_en, code in rows(
        departed.union(parents, bands, instruments, items, all=True)
    ):
        if row_kind == "p":
            people.add(key)
        elif row_kind == "o":
            parent_of[key] = first
        elif row_kind == "b":
            bands_of[key].append((first, second, text_sv, text_en))
        elif row_kind == "n":
            instruments_of[key] = (code, text_sv, text_en, first, second)
        else:
            items_of[key] = (first, text_sv, text_en)
    return engine.ScanContext(
        today=today,
        departed=frozenset(people),
        parent_of=parent_of,
        limits=risk_limits(),
        bands={instrument: tuple(sorted(found)) for instrument, found in bands_of.items()},
        instruments=instruments_of,
        items=items_of,
    )


def rows(queryset) -> list[tuple]:
    """A values_list queryset's rows straight from the cursor: the scan reads tens of thousands of
    rows, and skipping the ORM's per-row conversion is most of its reading time."""
    return raw_rows(*queryset.query.sql_with_params())


def raw_rows(sql: str, params) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def grouped_rows(queryset) -> list[tuple]:
    """``rows`` of a grouping over many rows (the answers of every closed round): on PostgreSQL with
    ``RISK_SCAN_WORK_MEM`` for its grouping and sorting, so they stay in memory instead of spilling to disk.
    ``SET LOCAL`` and the read are sent as one string, which the server runs as one implicit transaction (or
    within the open one): the setting ends with it, and the scan's queries stay as many."""
    return grouped_raw_rows(*queryset.query.sql_with_params())


def grouped_raw_rows(sql: str, params) -> list[tuple]:
    """``grouped_rows`` of a statement."""
    memory = settings.RISK_SCAN_WORK_MEM
    if connection.vendor != "postgresql" or not memory:
        return raw_rows(sql, params)
    if not re.fullmatch(r"[0-9]{1,7}(kB|MB|GB)", memory):
        raise ImproperlyConfigured(f"RISK_SCAN_WORK_MEM: a size such as 64MB, not {memory!r}")
    with connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL work_mem = '{memory}'; {sql}", params)
        cursor.nextset()
        return cursor.fetchall()


def agreement_facts(ctx: engine.ScanContext, id_range: tuple[int, int] | None = None) -> list[engine.AgreementFacts]:
    """Draft and active agreements (in ``id_range``, inclusive) with their parties, representatives,
    anchorings and roles: five queries, plus one per registered loader.

    A chunk (``id_range``) reads its agreements first and then the rows of its range of ids, through the indexes
    on ``agreement_id`` (those of agreements not read are dropped): no join with the agreement table, and a
    sponsor's organisation is looked up by the person's id, so a chunk's queries touch its own rows and cost the
    same whatever the size of the portfolio. (A list of the chunk's ids let PostgreSQL scan the whole tables,
    and a join with the people made it hash all of them, for every chunk.)"""
    agreements_qs = Agreement.objects.filter(status__in=SCANNED_STATUSES)
    if id_range is not None:
        agreements_qs = agreements_qs.filter(id__gte=id_range[0], id__lte=id_range[1])
    facts = engine.AgreementFacts
    agreements = {
        row[0]: facts(*row)
        for row in rows(
            agreements_qs.order_by("id").values_list(
                "id",
                "status",
                "valid_from",
                "valid_to",
                "next_review_on",
                "assessment_interval_months",
                "coordinator_id",
            )
        )
    }
    anchoring_rows = Anchoring.objects.order_by()
    if id_range is None:
        open_agreement = {"agreement__status__in": SCANNED_STATUSES}
        sponsor_organization = "person__organization_id"
    else:
        open_agreement = {"agreement_id__gte": id_range[0], "agreement_id__lte": id_range[1]}
        sponsor_organization = "sponsor_organization"
        anchoring_rows = anchoring_rows.annotate(
            sponsor_organization=Subquery(
                Person.objects.filter(pk=OuterRef("person_id")).order_by().values("organization_id")[:1]
            )
        )
    make = tuple.__new__  # a NamedTuple from a row without a Python-level constructor call
    representatives: dict[int, list] = defaultdict(list)
    representative_facts = engine.RepresentativeFacts
    for row in rows(
        Representative.objects.filter(**open_agreement).order_by().values_list("person_id", "mandate", "party_id")
    ):
        representatives[row[2]].append(make(representative_facts, row))
    anchorings: dict[int, list] = defaultdict(list)
    anchoring_facts = engine.AnchoringFacts
    for row in rows(
        anchoring_rows.filter(**open_agreement).values_list("kind", "person_id", sponsor_organization, "party_id")
    ):
        anchorings[row[3]].append(make(anchoring_facts, row))
    # Each query reads its own snapshot: an agreement that became draft or active after the first one was
    # read is left for the next scan (KeyError), not half-read.
    party_facts, no_rows = engine.PartyFacts, []
    for party_id, agreement_id, organization_id in rows(
        Party.objects.filter(**open_agreement).order_by().values_list("id", "agreement_id", "organization_id")
    ):
        try:
            agreements[agreement_id].parties.append(
                make(
                    party_facts,
                    (
                        party_id,
                        organization_id,
                        representatives.get(party_id, no_rows),
                        anchorings.get(party_id, no_rows),
                    ),
                )
            )
        except KeyError:
            continue
    role_facts = engine.RoleFacts
    for row in rows(
        Responsibility.objects.filter(**open_agreement)
        .order_by()
        .values_list("id", "responsible_id", "deputy_id", "agreement_id")
    ):
        try:
            agreements[row[3]].roles.append(make(role_facts, row))
        except KeyError:
            continue
    ids = list(agreements)
    for key, loader in engine.loaders().items():
        for agreement_id, value in loader(ids, ctx).items():
            if agreement_id in agreements:
                agreements[agreement_id].extra[key] = value
    return list(agreements.values())


def portfolio_facts(ctx: engine.ScanContext, busiest: int = engine.BUSIEST) -> engine.PortfolioFacts:
    """The portfolio rules' input when the agreements were scanned in chunks: who is responsible, and who
    deputises, in which active agreement, for the people the portfolio rules and the start page can name: those
    responsible in at least ``RISK_OVERLOAD_AGREEMENTS`` active agreements and the ``busiest`` with the most
    roles. The grouping is done by the database, so the memory this takes depends on those people, not on the
    size of the portfolio. Two queries."""
    active = Responsibility.objects.filter(agreement__status=AgreementStatus.ACTIVE).order_by()
    overloaded = (
        active.values("responsible_id")
        .annotate(agreements=Count("agreement_id", distinct=True))
        .filter(agreements__gte=ctx.limits["RISK_OVERLOAD_AGREEMENTS"])
        .values("responsible_id")
    )
    deputyships = (
        active.filter(deputy_id=OuterRef("responsible_id")).values("deputy_id").annotate(n=Count("id")).values("n")
    )
    # The order of engine.busiest_people: most roles, then most deputyships, then the id.
    top = (
        active.values("responsible_id")
        .annotate(roles=Count("id"), deputy=Coalesce(Subquery(deputyships, output_field=IntegerField()), 0))
        .order_by("-roles", "-deputy", "responsible_id")
        .values("responsible_id")[:busiest]
    )
    people = Q(responsible_id__in=overloaded) | Q(responsible_id__in=top)
    responsible_in = rows(active.filter(people).values_list("responsible_id", "agreement_id"))
    named = {person for person, _agreement in responsible_in}
    deputy_in = rows(
        active.filter(deputy_id__in=Subquery(active.filter(people).values("responsible_id"))).values_list(
            "deputy_id", "agreement_id"
        )
    )
    return engine.PortfolioFacts(
        responsible_in=tuple(responsible_in),
        deputy_in=tuple(pair for pair in deputy_in if pair[0] in named),
        complete=False,
    )


def scan_chunks(chunk_size: int) -> list[tuple[int, int]]:
    """Id ranges of at most ``chunk_size`` scanned agreements that together cover every id, so each
    agreement's flags (closed agreements' included) belong to exactly one chunk."""
    ids = list(Agreement.objects.filter(status__in=SCANNED_STATUSES).order_by("id").values_list("id", flat=True))
    starts = ids[::chunk_size] or [1]
    ranges = []
    for index, start in enumerate(starts):
        low = 1 if index == 0 else start
        high = starts[index + 1] - 1 if index + 1 < len(starts) else ID_MAX
        ranges.append((low, high))
    return ranges
