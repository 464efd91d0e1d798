"""The pairwise answer page (Levels of Collaboration) on a phone in a real browser: axe-core clean (WCAG 2.1 A/AA),
no sideways scrolling, large touch targets, also in the error state; answering saves the ratings."""

import pytest
from django.urls import reverse

from assessments.models import PairwiseAnswer
from tests.assessments.loc_helpers import invite_from, loc_agreement, loc_round
from tests.assessments.test_answer_a11y import (  # noqa: F401  (fixtures)
    PHONE,
    _shipped_data_left_as_found,
    assert_accessible,
    browser,
    open_page,
)

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_the_pairwise_page_on_a_phone_is_accessible_and_saves(live_server, open_page):  # noqa: F811
    agreement, (kommun, foretag, forening) = loc_agreement()
    round_ = loc_round(agreement)
    respondent, token = invite_from(round_, kommun)
    url = live_server.url + reverse("assessments:answer", args=[token])
    page = open_page(url, viewport=PHONE)
    assert page.locator("fieldset").count() == 2  # the two other parties
    assert_accessible(page, "pairwise answer page, 375 px")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    sizes = page.eval_on_selector_all(
        "label.option", "els => els.map(e => { const r = e.getBoundingClientRect(); return [r.width, r.height]; })"
    )
    assert len(sizes) == 12
    assert min(height for _width, height in sizes) >= 44

    # One party left out: the error summary, accessible too, and nothing saved.
    page.check(f"#id_value_{foretag.pk}_4")
    page.click("button[type=submit]")
    page.wait_for_selector("#error-summary")
    assert_accessible(page, "pairwise answer page with an error, 375 px")
    assert not PairwiseAnswer.objects.exists()

    page.check(f"#id_value_{forening.pk}_1")
    page.click("button[type=submit]")
    page.wait_for_url("**/thanks/")
    saved = {(a.from_party_id, a.to_party_id): a.value for a in PairwiseAnswer.objects.all()}
    assert saved == {(kommun.pk, foretag.pk): 4, (kommun.pk, forening.pk): 1}
