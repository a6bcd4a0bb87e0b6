"""``python -m bot.web.create_admin --email EMAIL [--cae SLUG] [--role coach]``:
create a dashboard account (asks for the password when not given)."""
from __future__ import annotations

import argparse
import getpass
import sys

from bot.booking.coach import InvalidInput, cae_id_of
from bot.storage.db import Database, upgrade
from bot.accounts import AuthError, create_coach


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.web.create_admin", description=__doc__)
    parser.add_argument("--email", required=True)
    parser.add_argument("--password", help="asked for when left out")
    parser.add_argument("--name", default="")
    parser.add_argument("--role", choices=("admin", "coach"), default="admin")
    parser.add_argument("--cae", help="CAE slug the account is limited to (none: all CAEs)")
    args = parser.parse_args(argv)
    password = args.password or getpass.getpass("Mot de passe : ")
    db = Database()
    try:
        upgrade(db.url)
        cae_id = cae_id_of(db, args.cae) if args.cae else None
        create_coach(db, args.email, password, role=args.role, cae_id=cae_id, name=args.name)
    except (AuthError, InvalidInput) as error:
        print(error, file=sys.stderr)
        return 2
    finally:
        db.dispose()
    print(f"Compte {args.role} créé : {args.email.strip().lower()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
