"""Conversations: the triage list (filters, pagination, the coach's saved
filters: bot/saved_filters.py), one conversation, its review (tags, note,
reviewed) and "Enregistrer comme exemple". Read from Rasa's tracker store
(bot/transcripts.py); the coach's scope is applied in the tracker query
(bot/scope.py); the search box reads the folded index (bot/search.py)."""
from __future__ import annotations

from typing import Optional
from urllib.parse import parse_qsl, quote as urlquote

from aiohttp import web
from multidict import MultiDict, MultiDictProxy

from bot import labels, saved_filters, search, transcripts
from bot.training_examples import add_example
from bot.web.auth import login_required
from bot.web.dashboard import takeover as live
from bot.web.dashboard.common import db, parse_date, render, scope, tracker

PAGE_SIZE = 50
FILTER = r"/coach/conversations/filtres/{fid:\d{1,9}}"  # one of the coach's saved filters


def add_routes(app: web.Application) -> None:
    app.router.add_get("/coach/conversations", conversations)
    app.router.add_get("/coach/conversations/{cid}", conversation)
    app.router.add_post("/coach/conversations/{cid}/review", review)
    app.router.add_post("/coach/conversations/{cid}/example", save_example)
    app.router.add_post("/coach/conversations/filtres", save_filter)
    app.router.add_get(FILTER, apply_filter)
    app.router.add_post(FILTER + "/supprimer", delete_filter)


def _flag(value: Optional[str]) -> Optional[bool]:
    return {"oui": True, "non": False}.get(value or "")


def _float(value: Optional[str]) -> Optional[float]:
    try:
        return float(value) if value not in (None, "") else None
    except ValueError:
        return None


def filters_from(query) -> transcripts.Filters:
    return transcripts.Filters(
        since=parse_date(query.get("du")), until=parse_date(query.get("au")),
        channel=query.get("canal") or None, fallback=_flag(query.get("repli")),
        doubtful=_flag(query.get("doute")),
        below=_float(query.get("confiance_sous")), handoff=_flag(query.get("conseiller")),
        outcome=query.get("eligibilite") or None, reviewed=_flag(query.get("relu")),
        tag=(query.get("etiquette") or "").strip().lower() or None,
        search=(query.get("q") or "").strip() or None,
    )


def in_scope(request: web.Request) -> list[transcripts.ConversationSummary]:
    """The conversations this coach may read (the others are left out by the tracker query)."""
    return transcripts.summaries(db(request), tracker(request),
                                 hidden=scope(request).hidden_conversation_ids(db(request)))


def filtered(request: web.Request, visible: list[transcripts.ConversationSummary],
             query=None) -> list[transcripts.ConversationSummary]:
    """Those of ``visible`` that match the filters of ``query`` (by default the
    request's; also used by the CSV export). The search: case and accents ignored."""
    wanted = filters_from(request.query if query is None else query)
    if wanted.search:
        found = search.conversation_ids(db(request), tracker(request), scope(request), wanted.search)
        visible = [c for c in visible if c.conversation_id in found]
        wanted = transcripts.Filters(**{**wanted.__dict__, "search": None})
    return [c for c in visible if transcripts.matches(c, wanted)]


def _own_conversation(request: web.Request) -> str:
    """The conversation of the URL, if it exists and this coach may read it (404 otherwise:
    another CAE's conversation is not even confirmed to exist)."""
    cid = request.match_info["cid"]
    if not scope(request).sees_conversation(db(request), cid) or not tracker(request).exists(cid):
        raise web.HTTPNotFound(text="Conversation inconnue.")
    return cid


def _page(query) -> int:
    try:
        return max(1, min(int(query.get("page") or 1), 100000))
    except ValueError:
        return 1


@login_required
async def conversations(request: web.Request) -> web.Response:
    return await _list(request, request.query)


async def _list(request: web.Request, query: MultiDictProxy, error: str = "", name: str = "",
                status: int = 200) -> web.Response:
    visible = in_scope(request)
    found = filtered(request, visible, query)
    channels = sorted({c.channel for c in visible if c.channel})
    page = _page(query)
    pages = max(1, -(-len(found) // PAGE_SIZE))
    page = min(page, pages)
    others = "&".join(f"{urlquote(k)}={urlquote(v)}" for k, v in query.items() if k != "page")
    return await render(request, "conversations.html", {
        "conversations": transcripts.with_texts(tracker(request),
                                                found[(page - 1) * PAGE_SIZE:page * PAGE_SIZE]),
        "total": len(found),
        "not_understood": sum(1 for c in found if c.not_understood),
        "doubtful": sum(1 for c in found if c.doubtful),
        "page": page, "pages": pages, "page_link": f"/coach/conversations?{others}&page=" if others
        else "/coach/conversations?page=",
        "query": query, "channels": channels,
        "yesterday": transcripts.yesterday().isoformat(), "today": transcripts.today().isoformat(),
        "query_string": saved_filters.clean_query(query.items()) if query is not request.query
        else request.query_string, "outcomes": list(labels.ELIGIBILITY.items()),
        "saved_filters": saved_filters.list_filters(db(request), request["coach"].id),
        "current_filters": saved_filters.clean_query(query.items()),
        "filter_error": error, "filter_name": name,
    }, status=status)


@login_required
async def save_filter(request: web.Request) -> web.Response:
    """Save the list's filters (sent back in ``filtres``) under ``nom``; on bad input,
    the same list again with the message and what was typed."""
    form = await request.post()
    query = str(form.get("filtres") or "")[:4000]
    name = str(form.get("nom") or "")
    try:
        saved = saved_filters.save_filter(db(request), request["coach"].id, name, query)
    except saved_filters.FilterError as error:
        pairs = MultiDictProxy(MultiDict(parse_qsl(query)))
        return await _list(request, pairs, error.message_fr, name[:saved_filters.MAX_NAME * 2], status=400)
    raise web.HTTPFound(f"/coach/conversations?{saved.query}")


def _filter_id(request: web.Request) -> int:
    return int(request.match_info["fid"])


@login_required
async def apply_filter(request: web.Request) -> web.Response:
    try:
        saved = saved_filters.get_filter(db(request), request["coach"].id, _filter_id(request))
    except saved_filters.FilterNotFound:
        raise web.HTTPNotFound(text="Filtre inconnu.") from None
    raise web.HTTPFound(f"/coach/conversations?{saved.query}")


@login_required
async def delete_filter(request: web.Request) -> web.Response:
    try:
        saved_filters.delete_filter(db(request), request["coach"].id, _filter_id(request))
    except saved_filters.FilterNotFound:
        raise web.HTTPNotFound(text="Filtre inconnu.") from None
    raise web.HTTPFound("/coach/conversations")


@login_required
async def conversation(request: web.Request) -> web.Response:
    cid = request.match_info["cid"]
    if not scope(request).sees_conversation(db(request), cid):
        raise web.HTTPNotFound(text="Conversation inconnue.")
    events = tracker(request).events([cid])
    if not events:
        raise web.HTTPNotFound(text="Conversation inconnue.")
    summary = next(iter(transcripts.summaries(db(request), tracker(request), only=[cid],
                                              events=events)), None)
    return await render(request, "conversation.html", {
        "cid": cid, "turns": transcripts.turns(events), "summary": summary,
        "choices": labels.example_choices(), "saved": request.query.get("enregistre"),
        "takeover": live.context(request, cid),
    })


@login_required
async def review(request: web.Request) -> web.Response:
    cid = _own_conversation(request)
    form = await request.post()
    transcripts.save_review(db(request), cid, request["coach"].id, str(form.get("tags") or ""),
                            str(form.get("note") or ""), form.get("reviewed") == "on")
    raise web.HTTPFound(f"/coach/conversations/{cid}")


@login_required
async def save_example(request: web.Request) -> web.Response:
    cid = _own_conversation(request)
    form = await request.post()
    try:
        added = add_example(str(form.get("text") or ""), str(form.get("intent") or ""), conversation_id=cid)
    except ValueError:
        raise web.HTTPBadRequest(text="Intention ou texte invalide.")
    raise web.HTTPFound(f"/coach/conversations/{cid}?enregistre={'oui' if added else 'deja'}")
