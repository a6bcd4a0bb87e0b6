"""The dashboard's learning loop, for admins (``/coach/apprentissage``):
review the saved examples, merge them into the training data, train a
candidate in the background, compare it with the active model, activate it in
every Rasa server, roll back. The work itself is in bot/learning.py and
bot/training_examples.py; this module is the web adapter."""
from __future__ import annotations

import asyncio
from typing import Any, Optional

from aiohttp import web

from bot import learning, training, training_examples
from bot.web.auth import admin_required

BASE = "/coach/apprentissage"

NOTICES = {
    "modifie": "Exemple modifié.",
    "retire": "Exemple retiré.",
    "introuvable": "Cet exemple n'est plus dans la liste (déjà intégré ou retiré).",
    "entrainement": "Entraînement lancé : la barre de progression suit son avancement.",
    "active": "Le modèle candidat est actif sur tous les serveurs Rasa.",
    "retabli": "Le modèle précédent est de nouveau actif.",
}


def add_routes(app: web.Application) -> None:
    app.router.add_get(BASE, page)
    app.router.add_get(f"{BASE}/etat", state)
    app.router.add_post(f"{BASE}/exemples/modifier", edit_example)
    app.router.add_post(f"{BASE}/exemples/retirer", drop_example)
    app.router.add_post(f"{BASE}/integrer", merge_examples)
    app.router.add_post(f"{BASE}/entrainer", retrain)
    app.router.add_post(f"{BASE}/activer", activate)
    app.router.add_post(f"{BASE}/revenir", roll_back)


async def _blocking(function, *args):
    return await asyncio.get_running_loop().run_in_executor(None, function, *args)


def _examples_with_notes() -> list[dict[str, Any]]:
    """The waiting examples, each with what merging would do with it."""
    preview = training_examples.merge(dry_run=True)
    notes: dict[tuple[str, str], str] = {}
    for example, other in preview.conflicts:
        notes[(example.intent, example.text)] = (f"Déjà dans les données d'entraînement sous l'intention "
                                                 f"« {other} » : corrigez l'intention ou retirez-le.")
    for example in preview.heldout:
        notes[(example.intent, example.text)] = ("C'est une question des jeux de test (held-out) : "
                                                 "elle ne peut pas servir à l'entraînement.")
    for example in preview.duplicates:
        notes[(example.intent, example.text)] = "Déjà dans les données d'entraînement : sera simplement retiré."
    return [{"example": e, "note": notes.get((e.intent, e.text))} for e in training_examples.examples()]


def _context() -> dict[str, Any]:
    learning.reap()
    found = learning.latest()
    folder, status = found if found else (None, {})
    served = learning.served_models()
    active = learning.current_model()
    comparison = None
    if folder is not None and status.get("state") == "done":
        report = learning.load_report(folder)
        if report is not None:
            comparison = learning.compare(report, status.get("model"), active.name if active else None)
    chosen = training.read_active()
    return {
        "examples": _examples_with_notes(), "intents": training_examples.known_intents(),
        "status": status, "comparison": comparison, "served": served,
        "active": active.name if active else None, "previous": chosen.get("previous"),
        "candidate_is_active": bool(active and status.get("model") == active.name),
        "reviewed_file": str(training_examples.reviewed_path()),
    }


async def _render(request: web.Request, error: Optional[str] = None, merged=None, status: int = 200):
    from bot.web.dashboard.common import render

    context = await _blocking(_context)
    notice = NOTICES.get(request.query.get("fait", ""))
    return await render(request, "learning.html", {**context, "error": error, "notice": notice,
                                                   "merged": merged}, status=status)


@admin_required
async def page(request: web.Request) -> web.Response:
    return await _render(request)


@admin_required
async def state(request: web.Request) -> web.Response:
    learning.reap()
    found = await _blocking(learning.latest)
    status = found[1] if found else {}
    return web.json_response({key: status.get(key) for key in ("id", "state", "progress", "stage", "error")},
                             headers={"Cache-Control": "no-store"})


def _done(what: str) -> web.HTTPFound:
    return web.HTTPFound(f"{BASE}?fait={what}")


@admin_required
async def edit_example(request: web.Request) -> web.Response:
    form = await request.post()
    try:
        found = training_examples.update_example(
            str(form.get("intent") or ""), str(form.get("text") or ""),
            str(form.get("new_text") or ""), str(form.get("new_intent") or ""))
    except ValueError:
        return await _render(request, error="Texte vide ou intention inconnue : exemple inchangé.", status=400)
    raise _done("modifie" if found else "introuvable")


@admin_required
async def drop_example(request: web.Request) -> web.Response:
    form = await request.post()
    found = training_examples.remove_example(str(form.get("intent") or ""), str(form.get("text") or ""))
    raise _done("retire" if found else "introuvable")


@admin_required
async def merge_examples(request: web.Request) -> web.Response:
    result = await _blocking(training_examples.merge)
    return await _render(request, merged=result)


@admin_required
async def retrain(request: web.Request) -> web.Response:
    try:
        await _blocking(learning.start_job)
    except learning.LearningError as error:
        return await _render(request, error=str(error), status=409)
    raise _done("entrainement")


@admin_required
async def activate(request: web.Request) -> web.Response:
    form = await request.post()
    try:
        await _blocking(learning.activate, str(form.get("candidate") or ""))
    except learning.LearningError as error:
        return await _render(request, error=str(error), status=409)
    raise _done("active")


@admin_required
async def roll_back(request: web.Request) -> web.Response:
    try:
        await _blocking(learning.rollback)
    except learning.LearningError as error:
        return await _render(request, error=str(error), status=409)
    raise _done("retabli")
