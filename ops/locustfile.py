"""The load test's clients, for locust (``make loadtest`` runs it headless through ``manage.py loadtest``).

Three user classes, one per phase of the run:

- ``MixUser``: the mix, spread evenly over the agreements list (page 1), an agreement's detail (random
  ids), the organisations, persons and risks lists and the answer page (random answer links);
- ``ListUser``: the agreements list alone;
- ``OneQueryUser``: the endpoint that returns the same page built by one query (ops.loadtest).

The command passes what the clients need through the environment: ``LOADTEST_TOKEN`` (a reading account's
API token) and ``LOADTEST_DATA`` (a JSON file with ``agreement_ids`` and ``answer_tokens``). Not a Django
module: it only speaks HTTP to the server.
"""

from __future__ import annotations

import json
import os
import random

import gevent
from locust import FastHttpUser, constant, events, task

BENCH_PATH = "/api/v1/_bench/agreements/"  # ops.loadtest.BENCH_PATH, served with LOADTEST_ENDPOINTS on


def _data() -> dict:
    path = os.environ.get("LOADTEST_DATA", "")
    if not path:
        return {"agreement_ids": [], "answer_tokens": []}
    with open(path, encoding="utf-8") as source:
        return json.load(source)


DATA = _data()
AGREEMENT_IDS = DATA.get("agreement_ids") or [1]
ANSWER_TOKENS = DATA.get("answer_tokens") or []
HEADERS = {"Authorization": f"Token {os.environ.get('LOADTEST_TOKEN', '')}", "Accept": "application/json"}


@events.test_start.add_listener
def _bound_the_run(environment, **kwargs):
    """Stop after LOADTEST_SECONDS from the start of the test. Not locust's --run-time: its timer is set on the
    event loop's cached clock, which a slow start-up (a busy machine) leaves behind, so it fired early."""
    seconds = float(os.environ.get("LOADTEST_SECONDS") or 0)
    if seconds > 0 and environment.runner is not None:
        gevent.get_hub().loop.update_now()
        gevent.spawn_later(seconds, environment.runner.quit)


class ApiUser(FastHttpUser):
    abstract = True
    wait_time = constant(0)  # each client sends its next request as soon as the last one is answered

    def get(self, path: str, name: str) -> None:
        self.client.get(path, headers=HEADERS, name=name)


class MixUser(ApiUser):
    """Each user goes round the endpoints in turn, starting one further than the user before: the mix is
    even from the first requests on, however short the run."""

    started = 0

    def on_start(self):
        self.turn = MixUser.started
        MixUser.started += 1

    @task
    def next_endpoint(self):
        endpoint = self.turn % 6
        self.turn += 1
        if endpoint == 0:
            self.get("/api/v1/agreements/", "agreements list")
        elif endpoint == 1:
            self.get(f"/api/v1/agreements/{random.choice(AGREEMENT_IDS)}/", "agreement detail")  # noqa: S311
        elif endpoint == 2:
            self.get("/api/v1/organizations/", "organizations list")
        elif endpoint == 3:
            self.get("/api/v1/persons/", "persons list")
        elif endpoint == 4:
            self.get("/api/v1/risks/", "risks list")
        elif ANSWER_TOKENS:
            self.client.get(f"/a/{random.choice(ANSWER_TOKENS)}/", name="answer page")  # noqa: S311
        else:
            self.get("/api/v1/agreements/", "agreements list")


class ListUser(ApiUser):
    @task
    def agreements_list(self):
        self.get("/api/v1/agreements/", "agreements list")


class OneQueryUser(ApiUser):
    @task
    def one_query(self):
        self.get(BENCH_PATH, "one-query agreements page")
