"""``make run-prod``: the production profile on this machine (see bot/deploy/profile.py)."""
from __future__ import annotations

import signal
import sys
import time

from bot import settings
from bot.deploy.profile import ProdProfile
from bot.training import ensure_model


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def main() -> int:
    profile = ProdProfile(model=ensure_model(), token=settings.rasa_api_token())
    signal.signal(signal.SIGTERM, _interrupt)
    # Ctrl-C too, even when started with SIGINT ignored (a background job of a
    # script): otherwise the servers would be left running without their supervisor.
    signal.signal(signal.SIGINT, _interrupt)
    print("Profil de production : PostgreSQL, Redis, 2 serveurs Rasa, 2 serveurs d'actions, nginx…",
          flush=True)
    try:
        profile.start()
        profile.wait_ready()
        admin = (f"  Premier compte : admin@cae.local / {profile.admin_password} "
                 f"(gardé dans {profile.base / 'admin_password'})\n"
                 if getattr(profile, "admin_password", None) else "")
        print(f"\nPrêt.\n  Widget, tableau de bord et API : {profile.public_url}/ (coach : {profile.public_url}/coach/)\n"
              f"  Canal REST : POST {profile.rest_webhook}\n"
              f"  Données : PostgreSQL {profile.database_url} ; conversations {profile.tracker_url}\n"
              f"  Journaux : {profile.base}/logs/ (redémarrages : supervisor.log)\n{admin}"
              "Un serveur qui s'arrête est redémarré automatiquement ; l'autre répond entre-temps.\n"
              "Ctrl-C pour tout arrêter.\n", flush=True)
        while True:
            time.sleep(1)
    except KeyboardInterrupt:
        print("\nArrêt…", flush=True)
        return 0
    finally:
        profile.stop()


if __name__ == "__main__":
    sys.exit(main())
