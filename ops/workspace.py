"""The coordinator's workspace in the admin: what the start page, the agreement overview, the person and
organisation pages and the register search read.

Lives in ops, the top layer, because it brings agreements, assessment rounds and risks together. Every
function runs a fixed number of queries whatever the size of the portfolio: grouped counts and lists cut
with a LIMIT, correlated subqueries evaluated only for the rows shown, never a join over whole tables.

"What is due" is collected from sources (``register_due_source``): each source reads one kind of dated
thing (reviews, ends, notice deadlines, commitments, closing rounds) with one query of at most ``limit``
rows, and the start page merges them by date. Another app adds a kind by registering a source.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Count, DateField, Func, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agreements import admin_helpers
from agreements import selectors as agreement_selectors
from agreements.choices import AgreementStatus, CommitmentStatus, FollowUpStatus
from agreements.models import Agreement, Anchoring, Commitment, FollowUp, Interaction, Representative, Responsibility
from agreements.services import OPEN_STATUSES
from assessments import selectors as assessment_selectors
from assessments.choices import RoundStatus
from assessments.models import AssessmentRound, Respondent
from risks import selectors as risk_selectors
from risks.choices import SEVERITY_ORDER, UNRESOLVED, Severity
from risks.models import RiskFlag
from stakeholders.models import Organization, Person

DUE_WITHIN_DAYS = 90
LIST_SIZE = 10
# A person's or an organisation's page lists at most this many rows per kind (with a note when cut).
PAGE_ROWS = 100
# The overview lists the latest interactions (the agreement's page has the whole timeline).
DIALOGUE_ROWS = 5
OPEN_COMMITMENTS = (CommitmentStatus.PLANNED, CommitmentStatus.IN_PROGRESS, CommitmentStatus.DELAYED)


def overview_url(agreement_id: int) -> str:
    return reverse("admin:agreements_agreement_overview", args=[agreement_id])


# --- the risks of agreements ------------------------------------------------------------------------


def _open_flags_of_severity(severity: str) -> Coalesce:
    counted = (
        RiskFlag.objects.filter(agreement=OuterRef("pk"), status__in=UNRESOLVED, severity=severity)
        .order_by()
        .values("agreement")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def with_open_risks(agreements: QuerySet[Agreement]) -> QuerySet[Agreement]:
    """Agreements with ``open_high``, ``open_medium`` and ``open_low``: their unresolved flags by severity."""
    return agreements.annotate(**{f"open_{severity}": _open_flags_of_severity(severity) for severity in SEVERITY_ORDER})


def risk_counts(agreement: Agreement) -> list[tuple[str, str, int]]:
    """(severity, label, count) of an agreement annotated by ``with_open_risks``, the non-zero ones."""
    counts = [
        (severity, Severity(severity).label, getattr(agreement, f"open_{severity}", 0)) for severity in SEVERITY_ORDER
    ]
    return [row for row in counts if row[2]]


# --- my agreements ----------------------------------------------------------------------------------


def roles_of(person_id: int) -> Q:
    """Agreements in which the person is coordinator, responsible, deputy, representative or sponsor
    (four index lookups on the person, not a join over the agreements)."""
    return (
        Q(coordinator_id=person_id)
        | Q(
            pk__in=Responsibility.objects.filter(Q(responsible_id=person_id) | Q(deputy_id=person_id)).values(
                "agreement_id"
            )
        )
        | Q(pk__in=Representative.objects.filter(person_id=person_id).values("agreement_id"))
        | Q(pk__in=Anchoring.objects.filter(person_id=person_id).values("agreement_id"))
    )


def person_of(user) -> Person | None:
    """The register's person of a login (Person.user), if any."""
    if not user.is_authenticated:
        return None
    return Person.objects.filter(user=user).first()


@dataclass(frozen=True)
class MyAgreements:
    agreements: list[Agreement]
    more: bool  # cut at the list size


def my_agreements(person: Person, limit: int = LIST_SIZE) -> MyAgreements:
    """The person's draft and active agreements, those with the gravest open risks first, with their last
    contact (two queries)."""
    rows = list(
        with_open_risks(Agreement.objects.filter(roles_of(person.pk), status__in=OPEN_STATUSES))
        .select_related("coordinator")
        .order_by("-open_high", "-open_medium", "-open_low", "valid_to", "title", "id")[: limit + 1]
    )
    contacts = agreement_selectors.last_contacts("agreement", [a.pk for a in rows[:limit]]) if rows else {}
    for agreement in rows:
        agreement.risk_counts = risk_counts(agreement)
        agreement.last_contact = contacts.get(agreement.pk)
    return MyAgreements(agreements=rows[:limit], more=len(rows) > limit)


# --- what is due -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DueWindow:
    start: date
    end: date
    limit: int
    # Only these agreements (a Q over Agreement); None for the whole portfolio.
    agreements: Q | None = None
    user: object = None  # the login asking: a source leaves out what it may not view

    def may_view(self, permission: str) -> bool:
        return self.user is None or self.user.has_perm(permission)

    def agreement_filter(self, prefix: str = "") -> Q:
        if self.agreements is None:
            return Q()
        if not prefix:
            return self.agreements
        return Q(**{f"{prefix}__in": Agreement.objects.filter(self.agreements).values("pk")})


@dataclass(frozen=True)
class DueItem:
    on: date
    kind: str  # a code, e.g. "review"; the CSS class and the test hook
    kind_label: str
    text: str
    url: str
    agreement: Agreement | None = None
    note: str = ""

    @property
    def is_soon(self) -> bool:
        return (self.on - timezone.localdate()).days <= 14


DueSource = Callable[[DueWindow], Iterable[DueItem]]
_due_sources: list[DueSource] = []


def register_due_source(source: DueSource) -> DueSource:
    """Add a kind of dated item to "What is due" (usable as a decorator). One query per source."""
    if source not in _due_sources:
        _due_sources.append(source)
    return source


def due_sources() -> tuple[DueSource, ...]:
    return tuple(_due_sources)


def due_items(
    *,
    today: date | None = None,
    days: int = DUE_WITHIN_DAYS,
    limit: int = LIST_SIZE,
    agreements: Q | None = None,
    user=None,
) -> list[DueItem]:
    """The earliest ``limit`` items due from today to ``days`` ahead, over every source."""
    today = today or timezone.localdate()
    window = DueWindow(start=today, end=today + timedelta(days=days), limit=limit, agreements=agreements, user=user)
    items = [item for source in _due_sources for item in source(window)]
    items.sort(key=lambda item: (item.on, item.kind, item.text))
    return items[:limit]


@register_due_source
def due_reviews(window: DueWindow) -> list[DueItem]:
    rows = Agreement.objects.filter(
        window.agreement_filter(), status__in=OPEN_STATUSES, next_review_on__range=(window.start, window.end)
    ).order_by("next_review_on", "id")[: window.limit]
    return [DueItem(a.next_review_on, "review", _("Review"), str(a), overview_url(a.pk), a) for a in rows]


@register_due_source
def due_ends(window: DueWindow) -> list[DueItem]:
    rows = Agreement.objects.filter(
        window.agreement_filter(), status=AgreementStatus.ACTIVE, valid_to__range=(window.start, window.end)
    ).order_by("valid_to", "id")[: window.limit]
    return [DueItem(a.valid_to, "end", _("Ends"), str(a), overview_url(a.pk), a) for a in rows]


class MonthsBefore(Func):
    """``date`` minus ``months`` calendar months, as a date (PostgreSQL)."""

    output_field = DateField()

    def as_sql(self, compiler, connection, **extra_context):
        day, months = self.get_source_expressions()
        day_sql, day_params = compiler.compile(day)
        months_sql, months_params = compiler.compile(months)
        return f"(({day_sql}) - make_interval(months => ({months_sql})::int))::date", (*day_params, *months_params)

    def as_sqlite(self, compiler, connection, **extra_context):
        day, months = self.get_source_expressions()
        day_sql, day_params = compiler.compile(day)
        months_sql, months_params = compiler.compile(months)
        return f"date({day_sql}, '-' || ({months_sql}) || ' months')", (*day_params, *months_params)


@register_due_source
def due_notice_deadlines(window: DueWindow) -> list[DueItem]:
    # The end date bounds the search (the notice period is at most 60 months), so the index on
    # (status, valid_to) serves it.
    rows = (
        Agreement.objects.filter(
            window.agreement_filter(),
            status=AgreementStatus.ACTIVE,
            notice_period_months__gt=0,
            valid_to__range=(window.start, window.end + timedelta(days=61 * 31)),
        )
        .annotate(notice_deadline=MonthsBefore("valid_to", "notice_period_months"))
        .filter(notice_deadline__range=(window.start, window.end))
        .order_by("notice_deadline", "id")[: window.limit]
    )
    return [
        DueItem(
            a.notice_deadline,
            "notice",
            _("Last day to give notice"),
            str(a),
            overview_url(a.pk),
            a,
            note=_("%(months)d months before the end") % {"months": a.notice_period_months},
        )
        for a in rows
    ]


@register_due_source
def due_commitments(window: DueWindow) -> list[DueItem]:
    rows = (
        Commitment.objects.filter(
            window.agreement_filter("agreement"),
            status__in=OPEN_COMMITMENTS,
            agreement__status__in=OPEN_STATUSES,
            due_on__range=(window.start, window.end),
        )
        .select_related("agreement", "party__organization")
        .order_by("due_on", "id")[: window.limit]
    )
    return [
        DueItem(
            c.due_on,
            "commitment",
            _("Commitment"),
            f"{c.party.organization}: {c.description}",
            overview_url(c.agreement_id) + "#commitments",
            c.agreement,
            note=c.get_status_display(),
        )
        for c in rows
    ]


@register_due_source
def due_follow_ups(window: DueWindow) -> list[DueItem]:
    if not window.may_view("agreements.view_followup"):
        return []
    scope = Q()
    if window.agreements is not None:
        # "Mine": those of my agreements, and those I answer for (also without an agreement).
        scope = window.agreement_filter("agreement")
        if window.user is not None:
            scope |= Q(responsible__user_id=window.user.pk)
    rows = (
        FollowUp.objects.filter(scope, status=FollowUpStatus.OPEN, due_on__range=(window.start, window.end))
        .select_related("agreement", "responsible")
        .order_by("due_on", "id")[: window.limit]
    )
    return [
        DueItem(
            f.due_on,
            "follow_up",
            _("Follow-up"),
            f"{f.responsible}: {f.description}",
            reverse("admin:agreements_followup_change", args=[f.pk]),
            f.agreement,
        )
        for f in rows
    ]


@register_due_source
def due_round_closings(window: DueWindow) -> list[DueItem]:
    if not window.may_view("assessments.view_assessmentround"):
        return []
    rows = (
        AssessmentRound.objects.filter(
            window.agreement_filter("agreement"),
            status__in=(RoundStatus.SCHEDULED, RoundStatus.OPEN),
            closes_on__range=(window.start, window.end),
        )
        .select_related("agreement", "instrument")
        .order_by("closes_on", "id")[: window.limit]
    )
    return [
        DueItem(
            r.closes_on,
            "round",
            _("Assessment round closes"),
            f"{r.instrument}: {r.agreement}",
            reverse("admin:assessments_assessmentround_change", args=[r.pk]),
            r.agreement,
        )
        for r in rows
    ]


# --- open rounds ------------------------------------------------------------------------------------


def open_rounds(limit: int = LIST_SIZE, agreements: Q | None = None) -> list[AssessmentRound]:
    """Open rounds closing first, with how many were asked and have answered (one query)."""
    rounds = assessment_selectors.round_list().filter(status=RoundStatus.OPEN)
    if agreements is not None:
        rounds = rounds.filter(agreement__in=Agreement.objects.filter(agreements).values("pk"))
    rows = list(rounds.order_by("closes_on", "id")[:limit])
    for round_ in rows:
        round_.response_percent = (
            round(100 * round_.answered_count / round_.respondent_count) if round_.respondent_count else None
        )
    return rows


# --- the start page ---------------------------------------------------------------------------------


@dataclass
class StartPage:
    person: Person | None
    mine: MyAgreements | None
    scope: str  # "mine" or "all"
    due: list[DueItem]
    rounds: list[AssessmentRound]
    due_days: int = DUE_WITHIN_DAYS
    extra: dict = field(default_factory=dict)


def start_page(user, scope: str = "") -> StartPage:
    """The workspace part of the start page. Queries: the login's person; with one, their agreements; one per
    due source; the open rounds."""
    person = person_of(user)
    mine = my_agreements(person) if person is not None else None
    has_mine = bool(mine and mine.agreements)
    scope = scope if scope in ("mine", "all") else ("mine" if has_mine else "all")
    if person is None:
        scope = "all"
    agreements = roles_of(person.pk) if scope == "mine" else None
    return StartPage(
        person=person,
        mine=mine,
        scope=scope,
        due=due_items(agreements=agreements, user=user),
        rounds=open_rounds(agreements=agreements),
    )


# --- the agreement overview -------------------------------------------------------------------------


@dataclass
class AgreementPage:
    agreement: Agreement
    overview: admin_helpers.AgreementOverview
    matrix: admin_helpers.RoleMatrix
    open_risks: list[RiskFlag] | None
    commitments: list[Commitment]
    rounds: list[AssessmentRound]
    history: list
    interactions: list = field(default_factory=list)
    follow_ups: list = field(default_factory=list)
    last_contact: date | None = None


def agreement_page(
    agreement_id: int, *, show_risks: bool, show_rounds: bool, history_rows: int = 15
) -> AgreementPage | None:
    """Everything the overview shows of one agreement (agreement_list()'s prefetches, the open flags, the
    rounds, the latest history): a fixed number of queries."""
    agreement = agreement_selectors.agreement_list().select_related("renewed_from").filter(pk=agreement_id).first()
    if agreement is None:
        return None
    admin_helpers.attach_overviews([agreement])
    flags = None
    if show_risks:
        flags = sorted(
            risk_selectors.flag_list().filter(agreement=agreement, status__in=UNRESOLVED).order_by("id")[:PAGE_ROWS],
            key=lambda flag: SEVERITY_ORDER.index(flag.severity),
        )
    commitments = sorted(
        (c for party in agreement.parties.all() for c in party.commitments.all()),
        key=lambda c: (c.due_on is None, c.due_on or date.max, c.pk),
    )
    for commitment in commitments:
        commitment.organization = next(p.organization for p in agreement.parties.all() if p.pk == commitment.party_id)
    rounds = []
    if show_rounds:
        rounds = list(
            assessment_selectors.round_list().filter(agreement=agreement).order_by("-opens_on", "-id")[:PAGE_ROWS]
        )
    history = list(
        agreement.history.select_related("history_user").order_by("-history_date", "-history_id")[:history_rows]
    )
    interactions = list(
        Interaction.objects.filter(agreement=agreement).order_by("-date", "-id")[:DIALOGUE_ROWS]
    )
    follow_ups = list(
        FollowUp.objects.filter(agreement=agreement, status=FollowUpStatus.OPEN)
        .select_related("responsible")
        .order_by("due_on", "id")[:PAGE_ROWS]
    )
    today = timezone.localdate()
    last_contact = next((i.date for i in interactions if i.date <= today), None)
    if last_contact is None and interactions and interactions[-1].date > today:
        last_contact = agreement_selectors.agreement_last_contact(agreement.pk, today)
    return AgreementPage(
        interactions=interactions,
        follow_ups=follow_ups,
        last_contact=last_contact,
        agreement=agreement,
        overview=admin_helpers.overview_of(agreement),
        matrix=admin_helpers.role_matrix(agreement),
        open_risks=flags,
        commitments=commitments,
        rounds=rounds,
        history=history,
    )


# --- a person's page --------------------------------------------------------------------------------


@dataclass
class PersonRoles:
    coordinator: list[Agreement]
    responsible: list[Responsibility]
    deputy: list[Responsibility]
    representative: list[Representative]
    sponsor: list[Anchoring]
    open_risks: list[RiskFlag] | None
    invitations: list[Respondent] | None

    @property
    def role_count(self) -> int:
        return (
            len(self.coordinator)
            + len(self.responsible)
            + len(self.deputy)
            + len(self.representative)
            + len(self.sponsor)
        )

    @property
    def cut(self) -> bool:
        lists = (self.coordinator, self.responsible, self.deputy, self.representative, self.sponsor)
        return any(len(rows) >= PAGE_ROWS for rows in lists)


def person_roles(person: Person, *, show_risks: bool, show_invitations: bool) -> PersonRoles:
    """Every role of the person across agreements (one query per kind of role), their open risks and their
    assessment invitations."""
    by_agreement = ("agreement__title", "agreement_id", "id")
    flags = None
    if show_risks:
        flags = list(
            risk_selectors.flags_about_person(risk_selectors.flag_list().filter(status__in=UNRESOLVED), person.pk)
            .annotate(severity_rank=risk_selectors.severity_rank())
            .order_by("-severity_rank", "id")[:PAGE_ROWS]
        )
    invitations = None
    if show_invitations:
        invitations = list(
            Respondent.objects.filter(person=person)
            .select_related("round__agreement", "round__instrument")
            .order_by("-round__opens_on", "-id")[:PAGE_ROWS]
        )
    return PersonRoles(
        coordinator=list(Agreement.objects.filter(coordinator=person).order_by("title", "id")[:PAGE_ROWS]),
        responsible=list(
            Responsibility.objects.filter(responsible=person)
            .select_related("agreement", "deputy")
            .order_by(*by_agreement)[:PAGE_ROWS]
        ),
        deputy=list(
            Responsibility.objects.filter(deputy=person)
            .select_related("agreement", "responsible")
            .order_by(*by_agreement)[:PAGE_ROWS]
        ),
        representative=list(
            Representative.objects.filter(person=person)
            .select_related("agreement", "party__organization")
            .order_by(*by_agreement)[:PAGE_ROWS]
        ),
        sponsor=list(
            Anchoring.objects.filter(person=person)
            .select_related("agreement", "party__organization")
            .order_by(*by_agreement)[:PAGE_ROWS]
        ),
        open_risks=flags,
        invitations=invitations,
    )


# --- an organisation's page -------------------------------------------------------------------------


@dataclass
class OrganizationPage:
    children: list[Organization]
    agreements: list[Agreement]
    cut: bool


def organization_page(
    organization: Organization, *, show_risks: bool, show_agreements: bool = True
) -> OrganizationPage:
    """The organisation's sub-organisations and the agreements it is party to, with their bus factor and
    open risks (agreement_list()'s prefetches over at most PAGE_ROWS agreements)."""
    children = list(Organization.objects.filter(parent=organization).order_by("name", "id")[:PAGE_ROWS])
    agreements = agreement_selectors.agreement_list().filter(parties__organization=organization)
    if show_risks:
        agreements = with_open_risks(agreements)
    rows = list(agreements.order_by("-valid_from", "title", "id")[: PAGE_ROWS + 1]) if show_agreements else []
    admin_helpers.attach_overviews(rows[:PAGE_ROWS])
    for agreement in rows[:PAGE_ROWS]:
        agreement.risk_counts = risk_counts(agreement) if show_risks else []
        agreement.open_risk_total = sum(count for _s, _l, count in agreement.risk_counts)
    return OrganizationPage(
        children=children,
        agreements=rows[:PAGE_ROWS],
        cut=len(rows) > PAGE_ROWS,
    )


# --- search -----------------------------------------------------------------------------------------

SEARCH_MIN_LENGTH = 2
SEARCH_MAX_LENGTH = 100


@dataclass
class SearchGroup:
    kind: str
    title: str
    rows: list
    more: bool
    more_url: str

    def link(self, obj) -> str:
        return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])


def clean_query(query: str) -> str:
    """The search text without control characters (PostgreSQL refuses NUL in a text), cut to its maximum."""
    printable = "".join(char if char.isprintable() else (" " if char.isspace() else "") for char in query)
    return " ".join(printable.split())[:SEARCH_MAX_LENGTH]


def _terms(query: str) -> list[str]:
    return [term for term in query.split() if term][:5]


def search(user, query: str, limit: int = LIST_SIZE) -> list[SearchGroup]:
    """Organisations (name, organisation number), people (name, e-mail) and agreements (title, reference)
    matching every word of ``query``, for the kinds the user may view: one query per kind, ``limit`` rows."""
    from urllib.parse import urlencode

    terms = _terms(clean_query(query))
    if not terms or len(" ".join(terms)) < SEARCH_MIN_LENGTH:
        return []
    kinds = (
        (
            "organization",
            Organization,
            _("Organisations"),
            lambda t: Q(name__icontains=t) | Q(org_number__icontains=t),
            ("parent",),
        ),
        (
            "person",
            Person,
            _("People"),
            lambda t: Q(first_name__icontains=t) | Q(last_name__icontains=t) | Q(email__icontains=t),
            ("organization",),
        ),
        ("agreement", Agreement, _("Agreements"), lambda t: Q(title__icontains=t) | Q(reference__icontains=t), ()),
    )
    groups = []
    for kind, model, title, condition, related in kinds:
        opts = model._meta
        if not (
            user.has_perm(f"{opts.app_label}.view_{opts.model_name}")
            or user.has_perm(f"{opts.app_label}.change_{opts.model_name}")
        ):
            continue
        matches = Q()
        for term in terms:
            matches &= condition(term)
        rows = list(model.objects.filter(matches).select_related(*related)[: limit + 1])
        more_url = (
            reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist") + "?" + urlencode({"q": " ".join(terms)})
        )
        groups.append(SearchGroup(kind=kind, title=title, rows=rows[:limit], more=len(rows) > limit, more_url=more_url))
    return groups
