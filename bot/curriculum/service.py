"""Progress of each person through the modules: enrolment, objectives, self-checks.

Statuses per person and objective: not_started → in_progress → completed →
validated (by a coach); a completed objective can be reopened (back to
in_progress). Every step is also written to ``progress_event``, never updated.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Optional

from rapidfuzz import fuzz, process
from sqlalchemy import select

from bot import conversation_cae
from bot.curriculum.modules import Objective, load_modules, module, objective
from bot.errors import UserError
from bot.storage.db import Database
from bot.storage.models import (
    COMPLETED, IN_PROGRESS, NOT_STARTED, VALIDATED, Enrolment, ObjectiveProgress, Person,
    ProgressEvent, as_utc, utcnow,
)
from bot.vocabulary import normalise

TRANSITIONS = {
    NOT_STARTED: {IN_PROGRESS},
    IN_PROGRESS: {COMPLETED},
    COMPLETED: {VALIDATED, IN_PROGRESS},
    VALIDATED: set(),
}
DONE = (COMPLETED, VALIDATED)
STATUS_FR = {NOT_STARTED: "pas commencé", IN_PROGRESS: "en cours", COMPLETED: "terminé",
             VALIDATED: "validé par votre conseiller"}


class ProgressError(UserError):
    """A progress step refused; ``message_fr`` is for the person."""

    code = "progress_error"


@dataclass(frozen=True)
class Feedback:
    correct: bool
    text: str
    next_question: Optional[int]  # index of the next self-check question, None when done
    score: int
    answered: int


def _now(now: Optional[datetime]) -> datetime:
    return as_utc(now) if now else utcnow()


def _event(s, person_id: int, action: str, objective_id: Optional[str] = None,
           module_id: Optional[str] = None, result: str = "", coach_id: Optional[int] = None,
           now: Optional[datetime] = None) -> None:
    s.add(ProgressEvent(person_id=person_id, actor="coach" if coach_id else "person",
                        coach_id=coach_id, action=action, module_id=module_id,
                        objective_id=objective_id, result=result[:200], at=_now(now)))


def _row(s, person_id: int, objective_id: str) -> ObjectiveProgress:
    row = s.execute(select(ObjectiveProgress).where(
        ObjectiveProgress.person_id == person_id, ObjectiveProgress.objective_id == objective_id)
    ).scalar_one_or_none()
    if row is None:
        raise ProgressError("Cet objectif ne fait pas partie de vos modules. Votre conseiller "
                            "peut vous y inscrire.")
    return row


def _move(s, row: ObjectiveProgress, target: str, now: datetime, coach_id: Optional[int] = None,
          result: str = "") -> None:
    if target not in TRANSITIONS[row.status]:
        raise ProgressError(f"Impossible : cet objectif est « {STATUS_FR[row.status]} ».")
    row.status = target
    if target == IN_PROGRESS and row.started_at is None:
        row.started_at = now
    if target == COMPLETED:
        row.completed_at = now
    if target == VALIDATED:
        row.validated_at, row.validated_by = now, coach_id
    row.updated_at = now
    action = {IN_PROGRESS: "started", COMPLETED: "completed", VALIDATED: "validated"}[target]
    _event(s, row.person_id, action, row.objective_id, row.module_id, result, coach_id, now)


def enrol(db: Database, person_id: int, module_id: str, coach_id: Optional[int] = None,
          now: Optional[datetime] = None) -> bool:
    """Enrol a person in a module; False if already enrolled."""
    mod = module(module_id)
    now = _now(now)

    def work(s) -> bool:
        person = s.get(Person, person_id)
        if person is None or person.erased_at is not None:
            raise ProgressError("Personne inconnue.")
        if s.execute(select(Enrolment.id).where(Enrolment.person_id == person_id,
                                                Enrolment.module_id == module_id)).first():
            return False
        s.add(Enrolment(person_id=person_id, module_id=module_id, enrolled_by=coach_id, enrolled_at=now))
        for obj in mod.objectives:
            if s.execute(select(ObjectiveProgress.id).where(
                    ObjectiveProgress.person_id == person_id,
                    ObjectiveProgress.objective_id == obj.id)).first() is None:
                s.add(ObjectiveProgress(person_id=person_id, module_id=module_id, objective_id=obj.id,
                                        status=NOT_STARTED, updated_at=now))
        _event(s, person_id, "enrolled", module_id=module_id, coach_id=coach_id, now=now)
        conversation_cae.refresh_person(s, person_id)
        return True

    return db.run(work)


def person_progress(db: Database, person_id: int) -> dict[str, Any]:
    """Per enrolled module: done / total, each objective's status and score, what is next."""
    with db.reader() as s:
        enrolled = set(s.execute(select(Enrolment.module_id).where(Enrolment.person_id == person_id)).scalars())
        rows = {r.objective_id: r for r in s.execute(select(ObjectiveProgress).where(
            ObjectiveProgress.person_id == person_id)).scalars()}
    modules = []
    for mod in load_modules().values():
        if mod.id not in enrolled:
            continue
        objectives = []
        for obj in mod.objectives:
            row = rows.get(obj.id)
            objectives.append({"id": obj.id, "title": obj.title, "status": row.status if row else NOT_STARTED,
                               "score": row.score if row and row.answered else None,
                               "answered": row.answered if row else 0, "total_questions": len(obj.self_check),
                               "completed_at": row.completed_at.isoformat() if row and row.completed_at else None,
                               "validated_at": row.validated_at.isoformat() if row and row.validated_at else None})
        done = sum(1 for o in objectives if o["status"] in DONE)
        following = next((o for o in objectives if o["status"] == IN_PROGRESS), None) or \
            next((o for o in objectives if o["status"] == NOT_STARTED), None)
        modules.append({"id": mod.id, "title": mod.title, "done": done, "total": len(objectives),
                        "next": following, "objectives": objectives})
    return {"person_id": person_id, "modules": modules}


def next_objective(db: Database, person_id: int) -> Optional[Objective]:
    for mod in person_progress(db, person_id)["modules"]:
        if mod["next"]:
            return objective(mod["next"]["id"])
    return None


def start_objective(db: Database, person_id: int, objective_id: str, now: Optional[datetime] = None) -> Objective:
    obj = objective(objective_id)
    now = _now(now)

    def work(s) -> None:
        row = _row(s, person_id, objective_id)
        if row.status == NOT_STARTED:
            _move(s, row, IN_PROGRESS, now)

    db.run(work)
    return obj


def _answered_questions(s, person_id: int, objective_id: str) -> set[int]:
    results = s.execute(select(ProgressEvent.result).where(
        ProgressEvent.person_id == person_id, ProgressEvent.objective_id == objective_id,
        ProgressEvent.action == "answered")).scalars().all()
    return {int(r.split(":", 1)[0][1:]) for r in results if r.startswith("q")}


def answer_self_check(db: Database, person_id: int, objective_id: str, question_index: int,
                      answer_index: int, now: Optional[datetime] = None) -> Feedback:
    """Check one answer; the first answer to each question counts in the score."""
    obj = objective(objective_id)
    if not 0 <= question_index < len(obj.self_check):
        raise ProgressError("Je ne trouve pas cette question.")
    question = obj.self_check[question_index]
    if not 0 <= answer_index < len(question.choices):
        raise ProgressError(f"Répondez par un numéro entre 1 et {len(question.choices)}.")
    correct = answer_index == question.answer
    now = _now(now)

    def work(s) -> Feedback:
        row = _row(s, person_id, objective_id)
        if row.status == NOT_STARTED:
            _move(s, row, IN_PROGRESS, now)
        first_time = question_index not in _answered_questions(s, person_id, objective_id)
        if first_time:
            row.answered += 1
            row.score += int(correct)
        _event(s, person_id, "answered", objective_id, row.module_id,
               f"q{question_index}:{'right' if correct else 'wrong'}", now=now)
        following = question_index + 1 if question_index + 1 < len(obj.self_check) else None
        return Feedback(correct, question.right if correct else question.wrong, following,
                        row.score, row.answered)

    return db.run(work)


def complete_objective(db: Database, person_id: int, objective_id: str,
                       now: Optional[datetime] = None) -> Objective:
    obj = objective(objective_id)
    now = _now(now)

    def work(s) -> None:
        row = _row(s, person_id, objective_id)
        if row.status in DONE:
            raise ProgressError(f"C'est déjà noté : « {obj.title} » est {STATUS_FR[row.status]}.")
        if row.status == NOT_STARTED:
            _move(s, row, IN_PROGRESS, now)
        _move(s, row, COMPLETED, now)

    db.run(work)
    return obj


def validate_objective(db: Database, person_id: int, objective_id: str, coach_id: int,
                       now: Optional[datetime] = None) -> Objective:
    obj = objective(objective_id)
    now = _now(now)

    def work(s) -> None:
        row = _row(s, person_id, objective_id)
        if row.status != COMPLETED:
            raise ProgressError("Seul un objectif terminé peut être validé "
                                f"(celui-ci est « {STATUS_FR[row.status]} »).")
        _move(s, row, VALIDATED, now, coach_id=coach_id)

    db.run(work)
    return obj


def history(db: Database, person_id: int) -> list[dict[str, Any]]:
    with db.reader() as s:
        rows = s.execute(select(ProgressEvent).where(ProgressEvent.person_id == person_id)
                         .order_by(ProgressEvent.at, ProgressEvent.id)).scalars().all()
        return [{"at": r.at.isoformat(), "actor": r.actor, "coach_id": r.coach_id, "action": r.action,
                 "module_id": r.module_id, "objective_id": r.objective_id, "result": r.result} for r in rows]


def match_objective(db: Database, person_id: int, text: str) -> Optional[Objective]:
    """The enrolled objective a person names in free text ("j'ai fini le seuil de rentabilité")."""
    candidates = {o["id"]: normalise(o["title"]) for m in person_progress(db, person_id)["modules"]
                  for o in m["objectives"]}
    if not candidates:
        return None
    found = process.extractOne(normalise(text), candidates, scorer=fuzz.token_set_ratio, score_cutoff=60)
    return objective(found[2]) if found else None


def where_i_stand(progress: dict[str, Any]) -> str:
    """"Où j'en suis ?" in French."""
    if not progress["modules"]:
        return ("Vous n'êtes inscrit(e) à aucun module pour l'instant. Votre conseiller peut vous "
                "inscrire au module de votre parcours.")
    lines = []
    for mod in progress["modules"]:
        line = f"- {mod['title']} : {mod['done']}/{mod['total']} objectifs terminés"
        if mod["next"]:
            line += f" ; prochain : « {mod['next']['title']} »"
        else:
            line += " ; module terminé, bravo !"
        lines.append(line)
    return "Voici où vous en êtes :\n" + "\n".join(lines)
