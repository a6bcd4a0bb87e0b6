"""A new request to talk to a person, announced by e-mail to the coaches who see it.

One e-mail per address: the profile's ``coaches_email`` and the active accounts
of the request's CAE (a request routed to no CAE: the admins who see every CAE).
The e-mail says which CAE, when, the question and what the assistant understood
(``handoff.context_lines``, without the linked person's name), and links to the
request in the dashboard. Never the person's contact details: they stay behind
the dashboard's login. A failed e-mail is logged and the others still go; the
request is kept whatever happens (``announce`` never raises).
"""
from __future__ import annotations

import logging
from typing import Optional

from sqlalchemy import select

from bot import settings
from bot.caes.profiles import profile_from_json
from bot.dates import format_moment
from bot.handoff import context_lines, load_context
from bot.mail import InvalidAddress, Mail, build_message, mailer_from_env, normalize_address, render
from bot.redact import mask_addresses, mask_personal
from bot.storage.db import Database
from bot.storage.models import ROLE_ADMIN, Cae, Coach, HandoffRequest

logger = logging.getLogger(__name__)


def recipients(db: Database, cae_id: Optional[int]) -> list[str]:
    """The addresses to tell, normalised, each once."""
    def work(s):
        found = []
        if cae_id is not None:
            cae = s.get(Cae, cae_id)
            if cae is not None and cae.profile:
                try:
                    found.append(profile_from_json(cae.profile).coaches_email)
                except ValueError:
                    logger.warning("stored profile of CAE %s does not parse", cae.slug)
            query = select(Coach.email).where(Coach.active.is_(True), Coach.cae_id == cae_id)
        else:
            query = select(Coach.email).where(Coach.active.is_(True), Coach.role == ROLE_ADMIN,
                                              Coach.cae_id.is_(None))
        return found + list(s.execute(query.order_by(Coach.id)).scalars())

    addresses: list[str] = []
    for raw in db.run(work):
        try:
            address = normalize_address(raw)
        except InvalidAddress:
            continue
        if address not in addresses:
            addresses.append(address)
    return addresses


def notice_for(request: HandoffRequest, cae_name: Optional[str], base_url: str) -> Mail:
    """The e-mail about one request (no contact details; laid out and escaped by bot/mail.py)."""
    context = load_context(request.context)
    context.pop("person", None)  # the linked person's name stays behind the login
    where = cae_name or "votre réseau de CAE (CAE non connue)"
    question = mask_personal(context.get("question") or "")
    lines = context_lines(context)
    paragraphs = [f"Une personne a demandé à parler à un conseiller ({where}) le {format_moment(request.created_at)}.",
                  f"Sa question : « {question} »" if question else "Pas de question particulière avant sa demande."]
    if lines:
        paragraphs += ["Ce que l'assistant a compris :"] + [f"- {line}" for line in lines]
    return Mail(subject=f"Nouvelle demande de contact – {where}", greeting="Bonjour,", paragraphs=paragraphs,
                actions=[("Ouvrir la demande", f"{base_url}/coach/handoffs#demande-{request.id}")],
                closing=["Ses éventuelles coordonnées sont dans le tableau de bord (connexion nécessaire)."],
                cae_name=cae_name or "")


def announce(db: Database, request_id: int, mailer=None) -> int:
    """E-mail the request to its coaches; the number of e-mails sent. Never raises."""
    try:
        def work(s):
            request = s.get(HandoffRequest, request_id)
            if request is None:
                return None, None
            cae = s.get(Cae, request.cae_id) if request.cae_id is not None else None
            s.expunge(request)
            return request, cae.name if cae is not None else None

        request, cae_name = db.run(work)
        if request is None:
            return 0
        notice = notice_for(request, cae_name, settings.current().public_web_url)
        text, html = render(notice)
        addresses = recipients(db, request.cae_id)
        mailer = mailer or mailer_from_env()
    except Exception:  # noqa: BLE001 - the request is stored; the e-mail is a courtesy
        logger.exception("could not prepare the e-mail of handoff request %s", request_id)
        return 0
    sent = 0
    for address in addresses:
        try:
            mailer.send(build_message(address, notice.subject, text, html=html))
            sent += 1
        except Exception:  # noqa: BLE001 - one address failing does not stop the others
            logger.exception("could not e-mail handoff request %s to %s", request_id, mask_addresses(address))
    return sent
