"""The actor network that agreements and people form, across the portfolio.

Nodes are organisations, agreements and people (ids like ``organization:12``); edges say how they are linked:
an organisation is a ``party`` to an agreement, a person its ``representative``, ``responsible`` (for a role),
``deputy`` or ``coordinator``, and a person's ``employment`` ties them to their organisation. Betweenness
centrality (networkx) finds the **brokers**: the people and organisations that bridge most agreements — a
second bus factor, across the portfolio. Organisations with no agreement in view are the **isolated** actors.

Read with a fixed number of queries (``network_rows``) into plain data; the graph work is pure.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field

import networkx as nx
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from agreements.choices import AgreementStatus
from agreements.models import Agreement, Party, Representative, Responsibility
from stakeholders.choices import SECTOR_GROUPS, Sector
from stakeholders.models import Organization, Person

NODE_TYPES = ("organization", "agreement", "person")
EDGE_KINDS = ("party", "representative", "responsible", "deputy", "coordinator", "employment")
NODE_ID = re.compile(r"^(organization|agreement|person):([1-9][0-9]{0,18})$")
DEPTH_MIN, DEPTH_MAX, DEPTH_DEFAULT = 1, 6, 2
EDGE_LABELS = {
    "party": _("party"),
    "representative": _("representative"),
    "responsible": _("responsible"),
    "deputy": _("deputy"),
    "coordinator": _("coordinator"),
    "employment": _("employment"),
}


def node_id(kind: str, pk: int) -> str:
    return f"{kind}:{pk}"


@dataclass
class Node:
    id: str
    type: str
    label: str
    sector: str = ""  # an organisation's; blank for agreements and people
    betweenness: float = 0.0
    organization_id: int | None = None  # a person's organisation
    agreements: int = 0  # agreements the node is linked to directly (people and organisations)

    @property
    def pk(self) -> int:
        return int(self.id.split(":")[1])


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    kind: str


@dataclass
class Network:
    nodes: dict[str, Node] = field(default_factory=dict)
    edges: list[Edge] = field(default_factory=list)
    sampled: bool = False  # betweenness estimated from a sample of sources (a large network)

    def add_node(self, node: Node) -> None:
        self.nodes.setdefault(node.id, node)

    def add_edge(self, source: str, target: str, kind: str) -> None:
        self.edges.append(Edge(source, target, kind))

    def graph(self) -> nx.Graph:
        graph = nx.Graph()
        graph.add_nodes_from(self.nodes)
        graph.add_edges_from((edge.source, edge.target) for edge in self.edges)
        return graph

    # --- what the page shows ---

    def brokers(self, limit: int = 10) -> list[Node]:
        """People and organisations with the highest betweenness (above zero), highest first."""
        found = [n for n in self.nodes.values() if n.type != "agreement" and n.betweenness > 0]
        return sorted(found, key=lambda n: (-n.betweenness, -n.agreements, n.label, n.id))[:limit]

    def isolated(self) -> list[Node]:
        """Organisations with no link at all: party to no agreement in view, and none of their people in one."""
        linked = {edge.source for edge in self.edges} | {edge.target for edge in self.edges}
        return sorted(
            (n for n in self.nodes.values() if n.type == "organization" and n.id not in linked),
            key=lambda n: (n.label, n.id),
        )

    def sector_mix(self) -> list[dict]:
        """Per sector: organisations in view, of them party to an agreement, and the agreements they are in."""
        organizations = Counter(n.sector for n in self.nodes.values() if n.type == "organization")
        parties = Counter(
            n.sector for n in self.nodes.values() if n.type == "organization" and n.agreements > 0
        )
        agreements_of: dict[str, set[str]] = {}
        for edge in self.edges:
            if edge.kind == "party":
                agreements_of.setdefault(self.nodes[edge.source].sector, set()).add(edge.target)
        return [
            {
                "sector": value,
                "label": label,
                "group": SECTOR_GROUPS[Sector(value)].label,
                "organizations": organizations.get(value, 0),
                "parties": parties.get(value, 0),
                "agreements": len(agreements_of.get(value, ())),
            }
            for value, label in Sector.choices
            if organizations.get(value)
        ]

    def mixed_agreements(self) -> tuple[int, int]:
        """(agreements whose parties span at least two sector groups, agreements in view)."""
        groups: dict[str, set] = {}
        for edge in self.edges:
            if edge.kind == "party":
                groups.setdefault(edge.target, set()).add(SECTOR_GROUPS.get(self.nodes[edge.source].sector))
        total = sum(1 for n in self.nodes.values() if n.type == "agreement")
        return sum(1 for found in groups.values() if len(found) >= 2), total


def build_network(*, status: str | None = AgreementStatus.ACTIVE, sector: str | None = None) -> Network:
    """The network of the agreements with ``status`` (None: all) — with ``sector``, only the agreements that
    have a party of that sector — their parties and people, and the active organisations linked to none of
    them (of ``sector``, if given). Six queries, whatever the size."""
    agreements = Agreement.objects.all()
    if status:
        agreements = agreements.filter(status=status)
    if sector:
        agreements = agreements.filter(parties__organization__sector=sector).distinct()
    agreement_rows = list(agreements.values_list("id", "title", "reference", "coordinator_id").order_by("id"))
    agreement_ids = [row[0] for row in agreement_rows]
    party_rows = list(
        Party.objects.filter(agreement_id__in=agreement_ids).values_list("agreement_id", "organization_id")
    )
    representative_rows = list(
        Representative.objects.filter(agreement_id__in=agreement_ids).values_list("agreement_id", "person_id")
    )
    role_rows = list(
        Responsibility.objects.filter(agreement_id__in=agreement_ids).values_list(
            "agreement_id", "responsible_id", "deputy_id"
        )
    )
    person_ids = {person for _agreement, person in representative_rows}
    person_ids.update(person for row in role_rows for person in row[1:] if person)
    person_ids.update(row[3] for row in agreement_rows if row[3])
    people = list(
        Person.objects.filter(id__in=person_ids).values_list("id", "first_name", "last_name", "organization_id")
    )
    organization_ids = {organization for _agreement, organization in party_rows}
    organization_ids.update(row[3] for row in people)
    in_view = Organization.objects.filter(id__in=organization_ids)
    others = Organization.objects.filter(is_active=True)
    if sector:
        others = others.filter(sector=sector)
    organizations = list((in_view | others).values_list("id", "name", "sector").order_by("id"))

    network = Network()
    for pk, name, org_sector in organizations:
        network.add_node(Node(node_id("organization", pk), "organization", name, sector=org_sector))
    for pk, title, reference, _coordinator in agreement_rows:
        label = f"{title} ({reference})" if reference else title
        network.add_node(Node(node_id("agreement", pk), "agreement", label))
    for pk, first_name, last_name, organization_id in people:
        label = f"{first_name} {last_name}".strip()
        network.add_node(Node(node_id("person", pk), "person", label, organization_id=organization_id))

    seen: set[tuple[str, str, str]] = set()

    def link(source: str, target: str, kind: str) -> None:
        if (source, target, kind) not in seen and source in network.nodes and target in network.nodes:
            seen.add((source, target, kind))
            network.add_edge(source, target, kind)

    for agreement_id, organization_id in party_rows:
        link(node_id("organization", organization_id), node_id("agreement", agreement_id), "party")
    for agreement_id, person_id in representative_rows:
        link(node_id("person", person_id), node_id("agreement", agreement_id), "representative")
    for agreement_id, responsible_id, deputy_id in role_rows:
        link(node_id("person", responsible_id), node_id("agreement", agreement_id), "responsible")
        if deputy_id:
            link(node_id("person", deputy_id), node_id("agreement", agreement_id), "deputy")
    for agreement_id, _title, _reference, coordinator_id in agreement_rows:
        if coordinator_id:
            link(node_id("person", coordinator_id), node_id("agreement", agreement_id), "coordinator")
    # Employment: the person's organisation now (periods of employment, when recorded, give the same edge).
    for pk, _first, _last, organization_id in people:
        link(node_id("person", pk), node_id("organization", organization_id), "employment")

    touched: dict[str, set[str]] = {}
    for edge in network.edges:
        if edge.kind != "employment":
            touched.setdefault(edge.source, set()).add(edge.target)
    for key, found in touched.items():
        network.nodes[key].agreements = len(found)
    compute_betweenness(network)
    return network


def compute_betweenness(network: Network) -> None:
    """Normalised betweenness centrality on each node; exact up to NETWORK_BETWEENNESS_EXACT_UP_TO nodes, beyond
    that estimated from that many sources (a fixed seed, so the same data gives the same figures)."""
    graph = network.graph()
    limit = settings.NETWORK_BETWEENNESS_EXACT_UP_TO
    sample = None if graph.number_of_nodes() <= limit else limit
    network.sampled = sample is not None
    values = nx.betweenness_centrality(graph, k=sample, normalized=True, seed=17 if sample else None)
    for key, value in values.items():
        network.nodes[key].betweenness = round(value, 6)


def focus_on(network: Network, focus: str, depth: int) -> Network:
    """The part of ``network`` within ``depth`` links of ``focus`` (its betweenness figures kept from the whole);
    KeyError if ``focus`` is not in the network."""
    if focus not in network.nodes:
        raise KeyError(focus)
    near = nx.single_source_shortest_path_length(network.graph(), focus, cutoff=depth)
    part = Network(sampled=network.sampled)
    for key in near:
        part.add_node(network.nodes[key])
    part.edges = [edge for edge in network.edges if edge.source in near and edge.target in near]
    return part


# --- drawing: a pure-Python force layout (Fruchterman & Reingold), deterministic ---------------------------

WIDTH, HEIGHT, PADDING = 960.0, 720.0, 30.0
LABEL_ROOM = 140.0  # to the right of the rightmost dot, for its label
ALONE_BAND = 60.0  # at the bottom, for the actors with no link


@dataclass(frozen=True)
class PlacedNode:
    node: Node
    x: float
    y: float
    r: float


@dataclass(frozen=True)
class PlacedEdge:
    edge: Edge
    x1: float
    y1: float
    x2: float
    y2: float


def layout(network: Network, iterations: int = 80) -> tuple[list[PlacedNode], list[PlacedEdge]]:
    """Positions inside WIDTH × HEIGHT; the same network gives the same picture."""
    linked = {e.source for e in network.edges} | {e.target for e in network.edges}
    keys = sorted(key for key in network.nodes if key in linked)
    alone = sorted(key for key in network.nodes if key not in linked)  # drawn in a row along the bottom
    count = len(keys)
    if count == 0 and not alone:
        return [], []
    index = {key: i for i, key in enumerate(keys)}
    pairs = {(index[e.source], index[e.target]) for e in network.edges}
    count = max(count, 1)
    # Start on a circle (golden-angle spiral), so no two nodes share a point.
    pos = []
    for i in range(count):
        radius = math.sqrt((i + 0.5) / count)
        angle = i * 2.399963229728653
        pos.append([radius * math.cos(angle), radius * math.sin(angle)])
    k = math.sqrt(4.0 / count)
    temperature = 0.1
    cooling = temperature / (iterations + 1)
    for _step in range(iterations):
        disp = [[0.0, 0.0] for _ in range(count)]
        for i in range(count):
            xi, yi = pos[i]
            for j in range(i + 1, count):
                dx, dy = xi - pos[j][0], yi - pos[j][1]
                dist2 = dx * dx + dy * dy or 1e-9
                force = k * k / dist2
                disp[i][0] += dx * force
                disp[i][1] += dy * force
                disp[j][0] -= dx * force
                disp[j][1] -= dy * force
        for i, j in pairs:
            dx, dy = pos[i][0] - pos[j][0], pos[i][1] - pos[j][1]
            dist = math.sqrt(dx * dx + dy * dy) or 1e-9
            force = dist / k
            disp[i][0] -= dx * force
            disp[i][1] -= dy * force
            disp[j][0] += dx * force
            disp[j][1] += dy * force
        for i in range(count):
            dx, dy = disp[i]
            length = math.sqrt(dx * dx + dy * dy) or 1e-9
            step = min(length, temperature)
            pos[i][0] += dx / length * step
            pos[i][1] += dy / length * step
        temperature -= cooling
    xs, ys = [p[0] for p in pos] or [0.0], [p[1] for p in pos] or [0.0]
    span_x, span_y = (max(xs) - min(xs)) or 1.0, (max(ys) - min(ys)) or 1.0
    bottom = HEIGHT - PADDING - (ALONE_BAND if alone else 0)

    def scaled(i):
        x = PADDING + (pos[i][0] - min(xs)) / span_x * (WIDTH - 2 * PADDING - LABEL_ROOM)
        y = PADDING + (pos[i][1] - min(ys)) / span_y * (bottom - PADDING)
        return round(x, 1), round(y, 1)

    slots = max(1, len(alone))
    positions = {key: scaled(index[key]) for key in keys}
    for number, key in enumerate(alone):
        column_width = (WIDTH - 2 * PADDING) / min(slots, 6)
        positions[key] = (
            round(PADDING + (number % 6) * column_width, 1),
            round(HEIGHT - PADDING / 2 - ALONE_BAND + 18 * (number // 6 + 1), 1),
        )
    placed = {}
    for key in [*keys, *alone]:
        node = network.nodes[key]
        x, y = positions[key]
        radius = {"agreement": 7.0, "organization": 6.0, "person": 4.0}[node.type] + 10 * node.betweenness
        placed[key] = PlacedNode(node, x, y, round(radius, 1))
    edges = [
        PlacedEdge(e, placed[e.source].x, placed[e.source].y, placed[e.target].x, placed[e.target].y)
        for e in network.edges
    ]
    return list(placed.values()), edges
