"""Logging in and out of the dashboard; ``/coach/`` opens the conversations."""
from __future__ import annotations

from aiohttp import web

from bot.web import auth
from bot.web.auth import login_required
from bot.web.dashboard.common import render


def add_routes(app: web.Application) -> None:
    app.router.add_get("/coach/login", login_page)
    app.router.add_post("/coach/login", login_submit)
    app.router.add_post("/coach/logout", logout)
    app.router.add_get("/coach", home)
    app.router.add_get("/coach/", home)


async def login_page(request: web.Request) -> web.Response:
    return await render(request, "login.html", {"error": None,
                                                "next": request.query.get("next", "/coach/")})


async def login_submit(request: web.Request) -> web.Response:
    form = await request.post()
    target = str(form.get("next") or "/coach/")
    if not target.startswith("/coach") or target.startswith("//"):
        target = "/coach/"
    if not await auth.check_csrf(request, form.get("csrf_token")):
        return await render(request, "login.html", {"error": "Session expirée, réessayez.",
                                                    "next": target}, status=403)
    email = str(form.get("email") or "").strip().lower()
    coach, locked = auth.checked_login(request, email, str(form.get("password") or ""))
    if locked:
        return await render(request, "login.html", {"error": "Trop d'essais : réessayez dans quelques minutes.",
                                                    "next": target}, status=429)
    if coach is None:
        return await render(request, "login.html", {"error": "E-mail ou mot de passe incorrect.",
                                                    "next": target}, status=401)
    await auth.log_in(request, coach)
    raise web.HTTPFound(target)


@login_required
async def logout(request: web.Request) -> web.Response:
    await auth.log_out(request)
    raise web.HTTPFound("/coach/login")


@login_required
async def home(request: web.Request) -> web.Response:
    raise web.HTTPFound("/coach/conversations")
