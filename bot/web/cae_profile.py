"""The profile of the coach's CAE (``/coach/cae``): what the assistant says for
that CAE (caes/<slug>.yml, as copied into the database at start). Coaches read
it; admins (of that CAE, or without a CAE: every profile) edit it
(``/coach/cae/<slug>/modifier``: the whole profile as YAML, checked like a file,
CSRF-protected, every change audited with who and which fields)."""
from __future__ import annotations

import asyncio

from aiohttp import web
from sqlalchemy import select

from bot.caes.profiles import BASES, SPECIALISMS, ProfileError, contribution_text
from bot.caes.store import history, profile_yaml, read_profiles, save_profile
from bot.storage.models import Cae
from bot.web import auth, coach, scope
from bot.web.auth import admin_required, login_required

PATH = "/coach/cae"
MAX_TEXT = 20_000


def add_routes(app: web.Application) -> None:
    app.router.add_get(PATH, page)
    app.router.add_get(PATH + r"/{slug:[a-z0-9-]{2,80}}/modifier", edit_page)
    app.router.add_post(PATH + r"/{slug:[a-z0-9-]{2,80}}/modifier", edit)


def _cae_id(db, slug: str):
    return db.run(lambda s: s.execute(select(Cae.id).where(Cae.slug == slug)).scalar_one_or_none())


def _editable(request: web.Request, slug: str):
    """The profile an admin may edit (their CAE, or any without a CAE), else 404."""
    db = request.app[auth.DB_KEY]
    profile = read_profiles(db).get(slug)
    if profile is None or not request["coach"].can_see_cae(_cae_id(db, slug)):
        raise web.HTTPNotFound(text="Profil de CAE inconnu.")
    return profile


async def _edit_form(request: web.Request, slug: str, text: str, error=None, status: int = 200):
    changes = history(request.app[auth.DB_KEY], slug)
    return await coach.render(request, "cae_profile_edit.html",
                              {"slug": slug, "text": text, "error": error, "changes": changes}, status=status)


@admin_required
async def edit_page(request: web.Request) -> web.Response:
    slug = request.match_info["slug"]
    profile = _editable(request, slug)
    return await _edit_form(request, slug, profile_yaml(profile))


@admin_required
async def edit(request: web.Request) -> web.Response:
    slug = request.match_info["slug"]
    _editable(request, slug)
    form = await request.post()
    text = str(form.get("profile") or "")
    if len(text) > MAX_TEXT:
        return await _edit_form(request, slug, text[:MAX_TEXT], "Profil trop long.", status=400)
    who = request["coach"]
    try:
        fields = save_profile(request.app[auth.DB_KEY], slug, text, who.id, who.email)
    except ProfileError as error:
        return await _edit_form(request, slug, text, str(error), status=400)
    raise web.HTTPFound(f"{PATH}?modifie={slug}&champs={len(fields)}")


def _profiles_for(db, cae_id, everyone: bool) -> list:
    profiles = read_profiles(db)
    if everyone:
        return sorted(profiles.values(), key=lambda p: p.name)
    slug = db.run(lambda s: s.execute(select(Cae.slug).where(Cae.id == cae_id)).scalar_one_or_none())
    return [profiles[slug]] if slug in profiles else []


@login_required
async def page(request: web.Request) -> web.Response:
    who = request["coach"]
    db = request.app[auth.DB_KEY]
    profiles = await asyncio.get_running_loop().run_in_executor(
        None, _profiles_for, db, who.cae_id, scope.sees_everyone(who))
    return await coach.render(request, "cae_profile.html", {
        "profiles": [(p, contribution_text(p)) for p in profiles],
        "specialisms": SPECIALISMS, "bases": BASES, "saved": request.query.get("modifie"),
        "saved_fields": request.query.get("champs")})
