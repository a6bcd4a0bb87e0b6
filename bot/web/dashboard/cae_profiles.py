"""The profile of the coach's CAE (``/coach/cae``): what the assistant says for
that CAE (caes/<slug>.yml, as copied into the database at start). Coaches read
it; admins (of that CAE, or without a CAE: every profile) edit it
(``/coach/cae/<slug>/modifier``: the whole profile as YAML, checked like a file,
CSRF-protected, every change audited with who and which fields). Which profiles
a coach sees is the coach's scope, applied in SQL (bot/caes/store.py, bot/scope.py)."""
from __future__ import annotations

import asyncio
from datetime import datetime

from aiohttp import web

from bot.caes.profiles import BASES, SPECIALISMS, Profile, ProfileError, contribution_text, hours_text
from bot.caes.store import history, profile_in_scope, profile_yaml, profiles_in_scope, save_profile
from bot.dates import PARIS
from bot.web.auth import admin_required, login_required
from bot.web.dashboard.common import db, render, scope

PATH = "/coach/cae"
MAX_TEXT = 20_000


def add_routes(app: web.Application) -> None:
    app.router.add_get(PATH, page)
    app.router.add_get(PATH + r"/{slug:[a-z0-9-]{2,80}}/modifier", edit_page)
    app.router.add_post(PATH + r"/{slug:[a-z0-9-]{2,80}}/modifier", edit)


def editable(request: web.Request, slug: str) -> Profile:
    """The profile an admin may edit (their CAE, or any without a CAE), else 404."""
    profile = profile_in_scope(db(request), scope(request), slug)
    if profile is None:
        raise web.HTTPNotFound(text="Profil de CAE inconnu.")
    return profile


async def edit_form(request: web.Request, slug: str, text: str, error=None, status: int = 200):
    changes = history(db(request), slug)
    return await render(request, "cae_profile_edit.html",
                        {"slug": slug, "text": text, "error": error, "changes": changes}, status=status)


@admin_required
async def edit_page(request: web.Request) -> web.Response:
    slug = request.match_info["slug"]
    profile = editable(request, slug)
    return await edit_form(request, slug, profile_yaml(profile))


@admin_required
async def edit(request: web.Request) -> web.Response:
    slug = request.match_info["slug"]
    editable(request, slug)
    form = await request.post()
    text = str(form.get("profile") or "")
    if len(text) > MAX_TEXT:
        return await edit_form(request, slug, text[:MAX_TEXT], "Profil trop long.", status=400)
    who = request["coach"]
    try:
        fields = save_profile(db(request), slug, text, who.id, who.email)
    except ProfileError as error:
        return await edit_form(request, slug, text, error.message_fr, status=400)
    raise web.HTTPFound(f"{PATH}?modifie={slug}&champs={len(fields)}")


@login_required
async def page(request: web.Request) -> web.Response:
    profiles = await asyncio.get_running_loop().run_in_executor(
        None, profiles_in_scope, db(request), scope(request))
    return await render(request, "cae_profile.html", {
        "profiles": [(p, contribution_text(p)) for p in profiles],
        "hours_text": lambda p: hours_text(p, datetime.now(PARIS).date()),
        "specialisms": SPECIALISMS, "bases": BASES, "saved": request.query.get("modifie"),
        "saved_fields": request.query.get("champs")})
