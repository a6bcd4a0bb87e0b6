"""The tests' throw-away PostgreSQL cluster: see bot/deploy/postgres.py."""
from bot.deploy.postgres import PostgresCluster, find_bin_dir, free_port  # noqa: F401
