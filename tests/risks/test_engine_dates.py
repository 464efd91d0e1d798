"""The scan's month arithmetic is relativedelta's."""

import datetime as dt

from dateutil.relativedelta import relativedelta
from hypothesis import assume, given
from hypothesis import strategies as st

from risks.engine import months_before


@given(day=st.dates(min_value=dt.date(2, 1, 1)), months=st.integers(0, 240))
def test_months_before_is_what_relativedelta_gives(day, months):
    assume(day.year * 12 + day.month - 1 - months >= 12)  # stays within year 1 and after
    assert months_before(day, months) == day - relativedelta(months=months)


def test_the_last_day_of_a_shorter_month():
    assert months_before(dt.date(2026, 3, 31), 1) == dt.date(2026, 2, 28)
    assert months_before(dt.date(2028, 3, 31), 1) == dt.date(2028, 2, 29)
    assert months_before(dt.date(2026, 1, 15), 13) == dt.date(2024, 12, 15)
    assert months_before(dt.date(2026, 1, 15), 0) == dt.date(2026, 1, 15)
