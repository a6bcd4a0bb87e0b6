"""tests/unit/booking/test_ics_lifecycle.py on PostgreSQL (see conftest.py)."""
from tests.unit.booking.test_ics_lifecycle import *  # noqa: F401,F403
