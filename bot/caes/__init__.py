"""The CAEs the assistant speaks for: reviewed profiles (``caes/*.yml``), their
copy in the database, and what the chat does with them (which CAE a
conversation belongs to, answers filled from the profile, the network mode)."""
from bot.caes.profiles import (  # noqa: F401
    CAES_DIR, Exclusion, Profile, ProfileError, contribution_text, load_dir, parse_profile, specialisms_text,
)
