"""tests/unit/booking/test_waitlist_offers.py on PostgreSQL (see conftest.py)."""
from tests.unit.booking.test_waitlist_offers import *  # noqa: F401,F403
