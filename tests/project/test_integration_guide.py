"""The README's integration guide works: its commands and curl requests, sent through the test client."""

import datetime as dt
import re
import shlex
from io import StringIO
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.core.management import call_command

from agreements.choices import AgreementStatus
from risks.choices import FlagStatus
from risks.models import RiskFlag
from tests.factories import AgreementFactory, RiskFlagFactory

pytestmark = pytest.mark.django_db

README = Path(settings.BASE_DIR) / "README.md"


def guide_commands() -> list[list[str]]:
    """The shell lines of the guide's code blocks, continuation lines joined, comments dropped."""
    text = README.read_text(encoding="utf-8")
    guide = text.split("### Integration guide", 1)[1].split("\n## ", 1)[0]
    commands = []
    for block in re.findall(r"```sh\n(.*?)```", guide, re.S):
        for line in block.replace("\\\n", " ").splitlines():
            words = shlex.split(line, comments=True)
            if words:
                commands.append(words)
    return commands


def curl(api_client, words: list[str], token: str):
    """Send a curl command line through the test client; returns the response."""
    method, headers, data, url = "GET", {}, None, None
    words = iter(words[1:])
    for word in words:
        if word == "-X":
            method = next(words)
        elif word == "-H":
            name, value = next(words).split(":", 1)
            headers[name.strip()] = value.strip().replace("$TOKEN", token)
        elif word == "-d":
            data = next(words)
        else:
            url = word
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    return api_client.generic(
        method, path, data or "", content_type=headers.pop("Content-Type", "application/octet-stream"), headers=headers
    )


@pytest.fixture
def portfolio(today):
    agreement = AgreementFactory(id=42, status=AgreementStatus.ACTIVE, next_review_on=today - dt.timedelta(days=10))
    flag = RiskFlagFactory(id=17, agreement=agreement, severity="high", rule="single_person_dependency")
    RiskFlagFactory(severity="low")
    return agreement, flag


def test_the_integration_guide_works_as_written(api_client, portfolio):
    agreement, flag = portfolio
    commands = guide_commands()
    assert [words[0] for words in commands].count("curl") == 4
    token = None
    responses = []
    for words in commands:
        if words[:3] == ["python", "manage.py", "create_api_token"]:
            out = StringIO()
            call_command(*words[2:], stdout=out, stderr=StringIO())
            token = out.getvalue().strip()
        elif words[0] == "curl":
            responses.append(curl(api_client, words, token))
        else:
            assert words[0] == "export", words
    risks, one_agreement, overdue, acknowledged = responses

    assert risks.status_code == 200
    assert [(row["id"], row["agreement"]) for row in risks.json()["results"]] == [(flag.pk, agreement.pk)]
    assert one_agreement.status_code == 200
    assert one_agreement.json()["id"] == agreement.pk
    assert overdue.status_code == 200
    assert [row["id"] for row in overdue.json()["results"]] == [agreement.pk]
    assert acknowledged.status_code == 200, acknowledged.json()
    flag.refresh_from_db()
    assert flag.status == FlagStatus.ACKNOWLEDGED
    assert flag.acknowledged_by.username == "e-tjanst"
    assert RiskFlag.history.filter(id=flag.pk).latest("history_date").history_user.username == "e-tjanst"


def test_the_guides_write_with_the_read_only_token_or_none_is_refused(api_client, portfolio):
    commands = guide_commands()
    out = StringIO()
    call_command(*commands[0][2:], stdout=out, stderr=StringIO())
    read_only = out.getvalue().strip()
    acknowledge = [words for words in commands if words[0] == "curl" and "POST" in words][0]
    api_client.credentials(HTTP_ACCEPT_LANGUAGE="en")
    refused = curl(api_client, acknowledge, read_only)
    assert refused.status_code == 403
    assert refused.json()["detail"].startswith("This API token may only read")
    at = acknowledge.index("Authorization: Token $TOKEN")
    anonymous = curl(api_client, acknowledge[: at - 1] + acknowledge[at + 1 :], "")
    assert anonymous.status_code == 401
