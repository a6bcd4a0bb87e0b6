"""tests/unit/booking/test_reminders.py on PostgreSQL (see conftest.py)."""
from tests.unit.booking.test_reminders import *  # noqa: F401,F403
