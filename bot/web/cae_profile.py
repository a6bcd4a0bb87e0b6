"""The profile of the coach's CAE (``/coach/cae``), read-only: what the assistant
says for that CAE (caes/<slug>.yml, as copied into the database at start).
Admins without a CAE see every profile."""
from __future__ import annotations

import asyncio

from aiohttp import web
from sqlalchemy import select

from bot.caes.profiles import BASES, SPECIALISMS, contribution_text
from bot.caes.store import read_profiles
from bot.storage.models import Cae
from bot.web import auth, coach, scope
from bot.web.auth import login_required

PATH = "/coach/cae"


def add_routes(app: web.Application) -> None:
    app.router.add_get(PATH, page)


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
        "specialisms": SPECIALISMS, "bases": BASES})
