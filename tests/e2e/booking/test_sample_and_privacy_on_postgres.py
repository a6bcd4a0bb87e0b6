"""tests/unit/booking/test_sample_and_privacy.py on PostgreSQL (see conftest.py)."""
from tests.unit.booking.test_sample_and_privacy import *  # noqa: F401,F403
