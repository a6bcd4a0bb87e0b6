"""Website channel: Rasa's socket.io connector, for the chat widget.

Differences with the stock ``socketio`` channel:

- only the configured origins may connect (``cors_allowed_origins`` in the
  credentials, from ``CAE_ALLOWED_ORIGINS``): the stock one accepts any
  origin for the socket.io handshake and the websocket;
- a message starting with ``/`` is text unless it is the payload of a button
  of the assistant's last turn (see ``bot.channels.guard``): the widget sends
  a button's payload as an ordinary message;
- line breaks inside a message survive the widget's Markdown rendering;
- the session request joins the browser to its session's room (Rasa 3.6
  forgets to await it with python-socketio 5), which is what lets a reload
  continue the same conversation;
- a message is checked before anything reads it: a session id of 8-64 of
  ``A-Z a-z 0-9 _ -``, a text (normalised, see ``bot.channels.guard``), a
  socket.io packet of at most ``CAE_MAX_BODY_BYTES``; the client address
  (``bot.channels.http``) is counted by the per-address rate limit; a message
  that could not be handled gets a French apology instead of silence;
- with Redis configured (several Rasa servers), rooms are shared through it
  (``share_rooms``): a message emitted by any server reaches the browser.
"""
from __future__ import annotations

import inspect
import json
import logging
import re
import uuid
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.core.channels.socketio import SocketIOInput, SocketIOOutput
from sanic import Blueprint

from bot.channels.guard import guarded_text, normalised_text
from bot.channels.http import max_body_bytes
from bot.channels.limits import client_address, guarded

logger = logging.getLogger(__name__)

_SESSION_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
_SINGLE_NEWLINE = re.compile(r"(?<!\n)[ \t]*\n(?!\n)")


NOT_HANDLED = ("Désolé, votre message n'a pas pu être traité pour le moment. "
               "Pouvez-vous le renvoyer dans un instant ?")


def session_of(data: Any) -> Optional[str]:
    """The session id of a widget message, if well formed."""
    session_id = data.get("session_id") if isinstance(data, dict) else None
    return session_id if isinstance(session_id, str) and _SESSION_ID.match(session_id) else None


def metadata_of(data: dict, key: str) -> dict:
    metadata = data.get(key)
    if isinstance(metadata, str):
        try:
            metadata = json.loads(metadata)
        except ValueError:
            metadata = None
    return metadata if isinstance(metadata, dict) else {}


def address_of_environ(environ: Optional[dict]) -> str:
    environ = environ or {}
    request = environ.get("sanic.request")
    peer = getattr(request, "ip", None) or environ.get("REMOTE_ADDR", "")
    return client_address(peer, environ.get("HTTP_X_FORWARDED_FOR"))


def markdown_line_breaks(text: str) -> str:
    """Single newlines become Markdown hard breaks; paragraphs stay paragraphs."""
    return _SINGLE_NEWLINE.sub("  \n", text)


def share_rooms(sio: Any, url: Optional[str] = None) -> bool:
    """With several Rasa servers (``CAE_RATE_LIMIT_REDIS_URL`` set: the production
    profile), what one server emits to a session's room goes through Redis to
    the server that holds the browser's socket (python-socketio's
    ``AsyncRedisManager``): a coach's message pushed through any server's API
    reaches the widget. Set before any socket connects."""
    from bot import settings

    url = url if url is not None else settings.current().rate_limit_redis_url
    if not url:
        return False
    import socketio

    manager = socketio.AsyncRedisManager(url, channel="cae-widget")
    manager.set_server(sio)
    sio.manager = manager
    sio.manager_initialized = False
    return True


class WidgetOutput(SocketIOOutput):
    async def _send_message(self, socket_id: Text, response: Any) -> None:
        if isinstance(response, dict) and isinstance(response.get("text"), str):
            response = dict(response, text=markdown_line_breaks(response["text"]))
        await super()._send_message(socket_id, response)


class SocketIOChannel(SocketIOInput):
    """The widget's channel (credentials key ``bot.channels.socketio.SocketIOChannel``)."""

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        credentials = credentials or {}
        channel = super().from_credentials(credentials)
        origins = credentials.get("cors_allowed_origins") or []
        if isinstance(origins, str):
            origins = [o.strip() for o in origins.split(",") if o.strip()]
        channel.cors_allowed_origins = list(origins)
        return channel

    cors_allowed_origins: list = []
    _app: Any = None

    def get_output_channel(self) -> Optional[OutputChannel]:
        if self.sio is None:
            return super().get_output_channel()
        return WidgetOutput(self.sio, self.bot_message_evt)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        channel = self
        on_new_message = guarded(on_new_message)  # length and rate limits

        async def checked(message: UserMessage, address: Optional[str] = None) -> None:
            if not (message.text or "").strip():
                # The widget sends an empty "init payload" when a conversation
                # starts; there is nothing to answer.
                return
            text, extra = await guarded_text(channel._app, message.sender_id, message.text or "")
            message.text = text
            if extra:
                message.metadata = {**(message.metadata or {}), **extra}
            message.output_channel = WidgetOutput(channel.sio, channel.bot_message_evt)
            await on_new_message(message, address)

        socket_blueprint = super().blueprint(checked)
        # Engine.IO refuses any request (polling or websocket) whose Origin is
        # not listed; with no origin configured, no browser page may connect.
        engine = self.sio.eio
        engine.cors_allowed_origins = list(self.cors_allowed_origins) or ["null-origin-refused"]
        # The CORS headers themselves come from Rasa's --cors (Sanic-CORS, the
        # same list, see bot/servers.py); two Access-Control-Allow-Origin
        # headers would make browsers refuse every answer.
        engine._cors_headers = lambda environ: []
        # A socket.io packet larger than this closes the connection.
        engine.max_http_buffer_size = max_body_bytes()
        share_rooms(self.sio)

        # Rasa's message handler takes any session id and any "message"; this
        # one checks them and says so when a message could not be handled.
        @self.sio.on(self.user_message_evt, namespace=self.namespace)
        async def user_uttered(sid: Text, data: Any) -> None:
            if not isinstance(data, dict):
                return
            sender = session_of(data) if self.session_persistence else sid
            if sender is None:
                logger.info("widget message without a valid session id ignored")
                return
            text = normalised_text(data.get("message"))
            message = UserMessage(text, WidgetOutput(self.sio, self.bot_message_evt), sender,
                                  input_channel=self.name(), metadata=metadata_of(data, self.metadata_key))
            try:
                await checked(message, address_of_environ(self.sio.get_environ(sid, self.namespace)))
            except Exception:  # noqa: BLE001 - not stored: tell the person instead of silence
                logger.exception("widget message could not be handled (not stored)")
                await self.sio.emit(self.bot_message_evt, {"text": NOT_HANDLED}, room=sid,
                                    namespace=self.namespace)

        # Rasa 3.6's handler calls AsyncServer.enter_room without awaiting it
        # (a coroutine in python-socketio 5.x), so the browser never joins its
        # session's room and receives no answer: replace that handler.
        @self.sio.on("session_request", namespace=self.namespace)
        async def session_request(sid: Text, data: Optional[Dict]) -> None:
            session_id = (data or {}).get("session_id")
            if not isinstance(session_id, str) or not _SESSION_ID.match(session_id):
                session_id = uuid.uuid4().hex
            if self.session_persistence:
                entered = self.sio.enter_room(sid, session_id, namespace=self.namespace)
                if inspect.isawaitable(entered):
                    await entered
            await self.sio.emit("session_confirm", session_id, room=sid, namespace=self.namespace)

        @socket_blueprint.listener("before_server_start")
        async def keep_app(app, _loop) -> None:
            channel._app = app

        return socket_blueprint
