"""tests/unit/booking/test_notifications.py on PostgreSQL (see conftest.py)."""
from tests.unit.booking.test_notifications import *  # noqa: F401,F403
