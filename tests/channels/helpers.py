"""Small HTTP helpers for the channel tests."""
from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request


def post(url: str, data: bytes, headers: dict) -> tuple[int, str]:
    request = urllib.request.Request(url, data=data, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=90) as reply:
            return reply.status, reply.read().decode(errors="replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(errors="replace")


def tracker(servers, sender: str) -> dict:
    with urllib.request.urlopen(servers.api_url(f"/conversations/{urllib.parse.quote(sender, safe=':+')}/tracker"),
                                timeout=30) as reply:
        return json.load(reply)


def user_events(servers, sender: str) -> list[dict]:
    return [e for e in tracker(servers, sender)["events"] if e["event"] == "user"]
