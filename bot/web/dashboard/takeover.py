"""Live takeover from the dashboard (bot/takeover.py): "Prendre la conversation",
the coach's messages, "Rendre la main à l'assistant", and the person's messages
as they arrive (server-sent events read from the tracker store, so whichever
Rasa server stored them).

Only a coach of the conversation's CAE (or an admin who sees every CAE) may take
it; anyone else gets the same 404 as for a conversation they may not read.
Changes are POSTs with the session's CSRF token (form field or ``X-CSRF-Token``).
"""
from __future__ import annotations

import asyncio
import json
import logging
from typing import Any, Optional

from aiohttp import web

from bot import takeover
from bot.web import auth
from bot.web.auth import login_required
from bot.web.dashboard.common import TRACKER_KEY, db, scope, tracker

logger = logging.getLogger(__name__)

# Channels whose output Rasa can recreate to push a message without waiting for
# the person's next one (Rasa's input channel names): the widget. Telegram and
# WhatsApp conversations are keyed by a pseudonym (bot/channels/limits.py): their
# messages are sent by bot/channels/push.py to the address kept sealed for that.
PUSH_CHANNELS = ("socketio",)
# How often forgotten takeovers are looked for (their timeout is a setting).
SWEEP_SECONDS = 30.0
# How often the event stream looks for new messages, and how long one stream lasts
# (the browser's EventSource reconnects by itself, with the last id it received).
POLL_SECONDS = 1.0
STREAM_SECONDS = 300.0
SHOWN_KINDS = ("user", "bot")


def add_routes(app: web.Application) -> None:
    app.cleanup_ctx.append(hand_back_forgotten)
    app.router.add_post("/coach/conversations/{cid}/prendre", take)
    app.router.add_post("/coach/conversations/{cid}/rendre", give_back)
    app.router.add_post("/coach/conversations/{cid}/message", message)
    app.router.add_get("/coach/conversations/{cid}/direct", stream)


async def hand_back_forgotten(app: web.Application):
    """Every SWEEP_SECONDS, takeovers without coach activity for the timeout go back
    to the assistant, and the person is told at once where the channel allows it
    (otherwise with their next message, which would end it anyway)."""
    async def loop() -> None:
        while True:
            await asyncio.sleep(SWEEP_SECONDS)
            try:
                for cid in await asyncio.to_thread(takeover.end_expired, app[auth.DB_KEY]):
                    await push_now(app, cid)
                await asyncio.to_thread(takeover.forget_old_addresses, app[auth.DB_KEY])
            except Exception:  # noqa: BLE001 - try again next time
                logger.exception("takeover timeout sweep failed")

    task = asyncio.create_task(loop())
    yield
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        pass


def _conversation(request: web.Request) -> str:
    cid = request.match_info["cid"]
    if not (scope(request).sees_conversation(db(request), cid)
            and takeover.may_take_over(db(request), scope(request), cid)
            and tracker(request).exists(cid)):
        raise web.HTTPNotFound(text="Conversation inconnue.")
    return cid


def _wants_json(request: web.Request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _page(cid: str) -> str:
    from urllib.parse import quote

    return f"/coach/conversations/{quote(cid, safe='')}"


def context(request: web.Request, cid: str) -> dict[str, Any]:
    """What the conversation page shows of the takeover."""
    holder = takeover.holder(db(request), cid)
    return {"holder": holder, "mine": bool(holder and holder.coach_id == request["coach"].id),
            "may_take": takeover.may_take_over(db(request), scope(request), cid),
            "timeout_minutes": int(takeover.timeout().total_seconds() // 60)}


def latest_channel(reader, cid: str) -> Optional[str]:
    rows = [r for r in reader.events([cid]) if r["type_name"] == "user"]
    if not rows:
        return None
    try:
        return json.loads(rows[-1].get("data") or "{}").get("input_channel")
    except ValueError:
        return None


async def push(request: web.Request, cid: str) -> int:
    return await push_now(request.app, cid)


async def push_now(app: web.Application, cid: str) -> int:
    """Send the messages waiting for the person now, where the person's channel
    allows it. Telegram and WhatsApp: sent by bot/channels/push.py, then written
    to the transcript through Rasa's API. The widget: Rasa's API appends them to
    the conversation and sends them through the channel's output
    (``output_channel=latest``, ``execute_side_effects``). The REST channel only
    answers requests: its messages go with the person's next one
    (bot/rasa/speedups.py), as do those a failed push leaves. How many were pushed."""
    from bot.channels import push as direct

    database = app[auth.DB_KEY]
    sent = await direct.push_pending(database, cid)  # Telegram, WhatsApp
    if sent is not None:
        if sent and not await append_events(cid, sent, send=False):
            logger.warning("takeover messages sent but not written to the transcript (no Rasa server answered)")
        return len(sent)
    channel = await asyncio.to_thread(latest_channel, app[TRACKER_KEY], cid)
    messages = await asyncio.to_thread(takeover.pending, database, cid)
    if channel not in PUSH_CHANNELS or not messages:
        return 0
    if not await append_events(cid, messages, send=True):
        return 0
    await asyncio.to_thread(takeover.mark_delivered, database, [m.id for m in messages])
    return len(messages)


async def append_events(cid: str, messages: list, send: bool) -> bool:
    """Append the messages to the conversation's transcript through Rasa's API;
    with ``send``, Rasa also sends them through the person's channel (the
    widget). Any Rasa server will do: they share the tracker store and, with
    several, the widget's rooms through Redis (bot/channels/socketio.py,
    share_rooms). The next server is tried when one cannot be reached; when one
    refuses or fails midway, the next too for a transcript write, but not for a
    send (the messages may have gone: they stay waiting for the person's next
    message rather than risk being sent twice). Whether it was done."""
    import aiohttp
    from urllib.parse import quote

    from bot import settings

    params = {"token": settings.rasa_api_token_for_web()}
    if send:
        params.update(output_channel="latest", execute_side_effects="true")
    events = [{"event": "bot", "text": takeover.shown_text(m),
               "metadata": {"takeover_author": m.author or "assistant"}} for m in messages]
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session:
        for url in settings.rasa_api_urls():
            try:
                async with session.post(f"{url}/conversations/{quote(cid, safe='')}/tracker/events",
                                        params=params, json=events) as reply:
                    if reply.status == 200:
                        return True
                    problem = f"refused by Rasa ({reply.status})"
            except aiohttp.ClientConnectorError:
                continue
            except (aiohttp.ClientError, asyncio.TimeoutError) as error:
                problem = f"failed ({type(error).__name__})"
            if send:
                logger.warning("takeover push %s: sent with the person's next message", problem)
                return False
    if send:
        logger.warning("takeover push: no Rasa server reachable, sent with the person's next message")
    return False


def _coach_name(request: web.Request) -> str:
    coach = request["coach"]
    return coach.name or coach.email.split("@", 1)[0]


@login_required
async def take(request: web.Request) -> web.Response:
    cid = _conversation(request)
    try:
        holder = await asyncio.to_thread(takeover.take, db(request), cid, request["coach"].id,
                                         _coach_name(request))
    except takeover.AlreadyTaken as refused:
        if _wants_json(request):
            return web.json_response({"error": "already_taken", "message": refused.message_fr}, status=409)
        raise web.HTTPConflict(text=refused.message_fr) from None
    await push(request, cid)
    if _wants_json(request):
        return web.json_response({"holder": holder.coach_name})
    raise web.HTTPFound(_page(cid))


@login_required
async def give_back(request: web.Request) -> web.Response:
    cid = _conversation(request)
    coach = request["coach"]
    # An admin may hand back a conversation another coach forgot.
    released = await asyncio.to_thread(takeover.release, db(request), cid,
                                       None if scope(request).everything else coach.id)
    await push(request, cid)
    if _wants_json(request):
        return web.json_response({"released": released})
    raise web.HTTPFound(_page(cid))


@login_required
async def message(request: web.Request) -> web.Response:
    cid = _conversation(request)
    if request.content_type == "application/json":
        try:
            body = await request.json()
        except ValueError:
            body = None
        text = body.get("text") if isinstance(body, dict) else None
    else:
        text = (await request.post()).get("text")
    try:
        sent = await asyncio.to_thread(takeover.send, db(request), cid, request["coach"].id,
                                       text if isinstance(text, str) else "")
    except (takeover.NotHolder, takeover.EmptyMessage) as refused:
        if _wants_json(request):
            return web.json_response({"error": refused.code, "message": refused.message_fr}, status=400)
        raise web.HTTPBadRequest(text=refused.message_fr) from None
    await push(request, cid)
    if _wants_json(request):
        return web.json_response({"id": sent.id, "author": sent.author, "text": sent.text})
    raise web.HTTPFound(_page(cid))


def shown(row: dict[str, Any]) -> Optional[dict[str, Any]]:
    """A tracker event as the coach's page shows it: who wrote what (text only:
    the page inserts it as text, never as HTML)."""
    if row["type_name"] not in SHOWN_KINDS:
        return None
    try:
        data = json.loads(row.get("data") or "{}")
    except ValueError:
        return None
    text = data.get("text")
    if not isinstance(text, str) or not text:
        return None
    if row["type_name"] == "user":
        author = "person"
    else:
        author = (data.get("metadata") or {}).get("takeover_author") or "assistant"
    return {"id": row["id"], "kind": row["type_name"], "author": author, "text": text,
            "at": row.get("timestamp")}


def _last_id(request: web.Request) -> int:
    for raw in (request.headers.get("Last-Event-ID"), request.query.get("depuis")):
        if raw and raw.isdigit() and len(raw) < 16:
            return int(raw)
    return -1


@login_required
async def stream(request: web.Request) -> web.StreamResponse:
    """Server-sent events: ``message`` (a new line of the transcript, JSON) and
    ``state`` (who holds the conversation). ``?depuis=<event id>`` or the
    ``Last-Event-ID`` header: only what came after; without: from now on."""
    cid = _conversation(request)
    reader = tracker(request)
    last = _last_id(request)
    if last < 0:
        rows = await asyncio.to_thread(reader.events, [cid])
        last = max((r["id"] for r in rows), default=0)
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream",
                                           "Cache-Control": "no-store", "X-Accel-Buffering": "no"})
    await response.prepare(request)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + STREAM_SECONDS
    state: Any = object()
    try:
        while loop.time() < deadline:
            holder = await asyncio.to_thread(takeover.holder, db(request), cid)
            name = holder.coach_name if holder else None
            if name != state:
                state = name
                await response.write(f"event: state\ndata: {json.dumps({'holder': name})}\n\n".encode())
            rows = [r for r in await asyncio.to_thread(reader.events, [cid]) if r["id"] > last]
            for row in rows:
                last = row["id"]
                item = shown(row)
                if item is not None:
                    await response.write(f"id: {last}\nevent: message\ndata: {json.dumps(item)}\n\n".encode())
            await response.write(b": keep-alive\n\n")
            await asyncio.sleep(POLL_SECONDS)
    except (ConnectionResetError, asyncio.CancelledError):
        return response
    return response
