"""tests/unit/booking/test_storage.py on PostgreSQL (see conftest.py)."""
from tests.unit.booking.test_storage import *  # noqa: F401,F403
