"""tests/unit/booking/test_session_tools.py on PostgreSQL (see conftest.py)."""
from tests.unit.booking.test_session_tools import *  # noqa: F401,F403
