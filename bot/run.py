"""``make run``: train if needed, start everything (a server that dies is
started again, see bot/servers.py), stop everything on Ctrl-C."""
from __future__ import annotations

import signal
import sys
import time

from bot import settings
from bot.servers import Servers
from bot.storage.files import private_umask
from bot.training import model_to_serve


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def _webhook_lines(servers: Servers) -> str:
    hooks = servers.webhooks()
    lines = ""
    if "telegram" in hooks:
        lines += (f"  Telegram : webhook {hooks['telegram']}\n"
                  f"    (reçu par {servers.rasa_url}/webhooks/telegram/webhook ; "
                  "à déclarer une fois : .venv/bin/python -m bot.channels.telegram set-webhook)\n")
    if "whatsapp" in hooks:
        lines += (f"  WhatsApp (Twilio) : webhook {hooks['whatsapp']}\n"
                  f"    (reçu par {servers.rasa_url}/webhooks/twilio/webhook)\n")
    if not hooks:
        lines += "  Telegram et WhatsApp : non configurés (voir README, « Channels »).\n"
    return lines


def prepare_data() -> str:
    """Migrate our database; on the embedded default, make sure sample sessions are
    coming up (``CAE_SAMPLE_DATA=0`` turns that off). Returns lines to print."""
    from bot.booking.sample import load_sample
    from bot.caes.store import load_profiles
    from bot.storage.db import Database, upgrade
    from bot.accounts import ensure_first_admin

    db = Database()
    try:
        upgrade(db.url)
        lines = f"  Base de données : {db.url}\n"
        profiles = load_profiles(db)  # a profile that fails its schema stops the start here
        lines += f"  Profils de CAE (caes/) : {', '.join(profiles) or 'aucun (mode réseau)'}\n"
        password = ensure_first_admin(db)
        if password:
            lines += ("  Premier compte du tableau de bord : admin@cae.local, mot de passe "
                      f"{password}\n    (gardé dans var/admin_password ; autres comptes : "
                      ".venv/bin/python -m bot.web.create_admin --email ...)\n")
        if settings.current().sample_data:
            counts = load_sample(db)
            lines += (f"  Réunions d'information d'exemple : {sum(counts.values())} à venir "
                      "(python -m bot.booking.sample --reset pour les recharger)\n")
        return lines
    finally:
        db.dispose()


def main() -> int:
    private_umask()  # var/ files (databases, e-mails, secrets, logs) are the owner's only
    from bot.caes.profiles import ProfileError

    try:
        data_lines = prepare_data()
    except ProfileError as error:
        print(f"Démarrage impossible : {error}", file=sys.stderr, flush=True)
        return 1
    # The model activated from the dashboard, or the one of the current inputs.
    model = model_to_serve()
    servers = Servers(model=model, token=settings.rasa_api_token())
    # SIGTERM (e.g. from a process manager) stops as cleanly as Ctrl-C.
    signal.signal(signal.SIGTERM, _interrupt)
    # Ctrl-C too, even when started with SIGINT ignored (a background job of a
    # script): otherwise the servers would be left running without their supervisor.
    signal.signal(signal.SIGINT, _interrupt)
    print("Démarrage du serveur d'actions, du serveur Rasa (une dizaine de secondes) "
          "et de la page du widget…", flush=True)
    servers.start()
    try:
        servers.wait_ready()
        print(
            "\nL'assistant est prêt.\n"
            f"  Widget de discussion (page web) : {servers.web_url}/\n"
            f"    origines autorisées : {', '.join(servers.allowed_origins)}\n"
            + _webhook_lines(servers)
            + data_lines
            + f"  Canal REST : POST {servers.rest_webhook}\n"
            f"    curl -s -X POST {servers.rest_webhook} \\\n"
            "      -H 'Content-Type: application/json' -d '{\"sender\": \"moi\", \"message\": \"bonjour\"}'\n"
            f"  API Rasa (jeton dans {servers.var_dir}/rasa_token ou CAE_RASA_TOKEN) : {servers.rasa_url}\n"
            f"  Fichiers générés : {servers.endpoints}, {servers.credentials}\n"
            "  Conversation dans le terminal : make shell\n"
            "Un serveur qui s'arrête est redémarré automatiquement. Ctrl-C pour tout arrêter.\n",
            flush=True,
        )
        while True:
            time.sleep(1)
    except KeyboardInterrupt:
        print("\nArrêt des serveurs…", flush=True)
        return 0
    finally:
        servers.stop()


if __name__ == "__main__":
    sys.exit(main())
