"""tests/unit/booking/test_session_cancel.py on PostgreSQL (see conftest.py)."""
from tests.unit.booking.test_session_cancel import *  # noqa: F401,F403
