"""WhatsApp (Twilio) end to end: recorded Twilio form posts, signed or not,
posted to the real Rasa server; replies land in the loopback stand-in."""
from __future__ import annotations

import itertools
import re
import urllib.parse

import pytest
from twilio.request_validator import RequestValidator

from tests import stubs
from bot.channels.limits import pseudonym
from tests.support import post, tracker, user_events

pytestmark = [pytest.mark.model, pytest.mark.servers]

_ids = itertools.count(1)
PHONE = "whatsapp:+33612345678"


def twilio_form(sender: str, body: str) -> dict:
    """What Twilio posts for an incoming WhatsApp message."""
    sid = f"SM{next(_ids):032x}"
    return {
        "SmsMessageSid": sid, "NumMedia": "0", "ProfileName": "Camille", "MessageType": "text",
        "SmsSid": sid, "WaId": sender.split("+")[-1], "SmsStatus": "received", "Body": body,
        "To": stubs.TWILIO_NUMBER, "NumSegments": "1", "ReferralNumMedia": "0", "MessageSid": sid,
        "AccountSid": stubs.TWILIO_SID, "From": sender, "ApiVersion": "2010-04-01",
    }


def send(servers, form: dict, signature: str | None = "valid") -> tuple[int, str]:
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if signature == "valid":
        signature = RequestValidator(stubs.TWILIO_TOKEN).compute_signature(stubs.TWILIO_WEBHOOK_URL, form)
    if signature is not None:
        headers["X-Twilio-Signature"] = signature
    return post(f"{servers.rasa_url}/webhooks/twilio/webhook", urllib.parse.urlencode(form).encode(), headers)


def bodies(channel_stubs, since: int, sender: str) -> list[str]:
    return [c.params["Body"] for c in channel_stubs.replies("twilio.messages", since, lambda c: c.params["To"] == sender)]


def test_signed_message_is_answered_through_twilio(servers, channel_stubs):
    mark = len(channel_stubs.calls)
    status, body = send(servers, twilio_form(PHONE, "bonjour"))
    assert status in (200, 204), body
    replies = channel_stubs.replies("twilio.messages", mark)
    assert replies and replies[0].params["Body"].startswith("Bonjour")
    assert replies[0].params["From"] == stubs.TWILIO_NUMBER and replies[0].params["To"] == PHONE


@pytest.mark.parametrize("signature", [None, "", "bm90IGEgc2lnbmF0dXJl"])
def test_unsigned_or_wrongly_signed_posts_are_refused(servers, channel_stubs, signature):
    mark = len(channel_stubs.calls)
    status, _ = send(servers, twilio_form(PHONE, "bonjour"), signature=signature)
    assert status == 403
    assert not channel_stubs.calls[mark:]


def test_signature_of_another_body_is_refused(servers, channel_stubs):
    signed = twilio_form(PHONE, "bonjour")
    signature = RequestValidator(stubs.TWILIO_TOKEN).compute_signature(stubs.TWILIO_WEBHOOK_URL, signed)
    tampered = dict(signed, Body="/human_handoff")
    assert send(servers, tampered, signature=signature)[0] == 403


def test_buttons_are_numbered_choices_answered_by_number(servers, channel_stubs):
    sender = "whatsapp:+33698765432"
    mark = len(channel_stubs.calls)
    assert send(servers, twilio_form(sender, "azerty qsdfgh wxcvbn"))[0] in (200, 204)
    texts = bodies(channel_stubs, mark, sender)
    with_choices = [t for t in texts if re.search(r"^1\. ", t, re.M)]
    assert with_choices, texts
    menu = with_choices[-1]
    assert "/" not in "".join(re.findall(r"^\d+\. .*$", menu, re.M)), menu  # payloads never shown
    assert "Répondez avec le numéro" in menu
    first_title = re.search(r"^1\. (.*)$", menu, re.M).group(1)

    mark = len(channel_stubs.calls)
    assert send(servers, twilio_form(sender, "1"))[0] in (200, 204)
    assert bodies(channel_stubs, mark, sender)
    events = user_events(servers, pseudonym("whatsapp", sender))
    last = events[-1]
    assert last["metadata"]["original_text"] == "1"
    # "1" became the payload of the first button (not shown to the person).
    previous_bot = [e for e in tracker(servers, pseudonym("whatsapp", sender))["events"]
                    if e["event"] == "bot" and (e.get("data") or {}).get("buttons")]
    buttons = previous_bot[-1]["data"]["buttons"]
    assert buttons[0]["title"] == first_title
    assert last["text"] == buttons[0]["payload"]


def test_typed_slash_text_is_not_an_intent(servers, channel_stubs):
    sender = "whatsapp:+33611112222"
    assert send(servers, twilio_form(sender, "/human_handoff"))[0] in (200, 204)
    last = user_events(servers, pseudonym("whatsapp", sender))[-1]
    assert last["text"] == "human_handoff"
    assert last["parse_data"]["intent"]["name"] != "human_handoff"


def test_twilio_down_means_an_error_and_the_retry_makes_no_duplicate(servers, channel_stubs):
    sender = "whatsapp:+33633334444"
    form = twilio_form(sender, "bonjour")
    channel_stubs.failing = True
    try:
        status, _ = send(servers, form)
    finally:
        channel_stubs.failing = False
    assert status == 503
    assert [e["text"] for e in user_events(servers, pseudonym("whatsapp", sender))] == ["bonjour"]
    mark = len(channel_stubs.calls)
    assert send(servers, form)[0] == 204
    assert bodies(channel_stubs, mark, sender) and bodies(channel_stubs, mark, sender)[0].startswith("Bonjour")
    assert [e["text"] for e in user_events(servers, pseudonym("whatsapp", sender))] == ["bonjour"]
