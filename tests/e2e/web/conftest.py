"""The web app's fixtures (tests/webapp.py)."""
from tests.webapp import client, web_db  # noqa: F401  (fixtures)
