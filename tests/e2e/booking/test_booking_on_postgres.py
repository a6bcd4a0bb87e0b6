"""tests/unit/booking/test_booking.py on PostgreSQL (see conftest.py)."""
from tests.unit.booking.test_booking import *  # noqa: F401,F403
