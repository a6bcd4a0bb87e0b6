"""HTTP helpers of the public channels: a bounded body read, the client
address, and French error answers.

Sanic reads a whole body before the handler unless the route streams, so the
webhooks stream: ``Content-Length`` is checked first, then the body is read
in chunks and the read stops past ``CAE_MAX_BODY_BYTES`` (64 kB by default:
a message is at most a few kB).
"""
from __future__ import annotations

from typing import Optional

from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot import settings
from bot.channels.limits import client_address

BODY_TOO_LARGE = "Votre envoi est trop volumineux ({limit} octets au plus)."


def max_body_bytes() -> int:
    return settings.current().max_body_bytes


async def read_body(request: Request, limit: Optional[int] = None) -> Optional[bytes]:
    """The body (also set as ``request.body``), or None when over ``limit``.

    Works on streaming routes (``stream=True``) and on ordinary ones."""
    limit = limit or max_body_bytes()
    declared = request.headers.get("content-length")
    if declared is not None:
        try:
            if int(declared) > limit:
                return None
        except ValueError:
            return None
    stream = getattr(request, "stream", None)
    if request.body or stream is None:  # not a streaming route: Sanic already read it
        return request.body if len(request.body or b"") <= limit else None
    chunks, size = [], 0
    while True:
        chunk = await stream.read()
        if chunk is None:
            break
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    request.body = b"".join(chunks)
    return request.body


def address_of(request: Request) -> str:
    """The client's address (see ``bot.channels.limits.client_address``)."""
    peer = getattr(request, "ip", None) or ""
    return client_address(peer, request.headers.get("x-forwarded-for"))


def error(status: int, code: str, message: str) -> HTTPResponse:
    """A JSON error with a French message for the person or integrator."""
    return response.json({"error": code, "message": message}, status=status)


def too_large(limit: Optional[int] = None) -> HTTPResponse:
    limit = limit or max_body_bytes()
    return error(413, "body_too_large", BODY_TOO_LARGE.format(limit=f"{limit:,}".replace(",", "\u202f")))
