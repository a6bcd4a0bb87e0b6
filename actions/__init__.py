"""Rasa custom actions: thin adapters that call ``bot/``.

Started as the action server (``python -m bot.rasa.action_server --actions actions``,
or ``python -m rasa_sdk --actions actions``), the
package builds the caches of ``bot/`` on import (``bot/warmup.py``), so that the
server answers its health check only once the first conversation will not wait.
"""
import sys

if getattr(getattr(sys.modules.get("__main__"), "__spec__", None), "name", "") in (
        "rasa_sdk.__main__", "bot.rasa.action_server"):
    from bot.storage.files import private_umask
    from bot.warmup import warm_up

    private_umask()  # files this server writes (outbox, database) are the owner's only

    warm_up()
