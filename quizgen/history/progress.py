"""Progress replayed from the attempts: streaks, mastery levels per topic, and the stats document."""

from __future__ import annotations

import time
from dataclasses import dataclass

from ..rules import NAMED_TOPICS, TOPICS
from .store import DIFFICULTIES, LEVELS, WEEK



@dataclass
class RuleProgress:
    """A rule category's state after replaying its attempts in order."""

    level: int = 0  # index into LEVELS
    streak: int = 0  # current run of correct, unassisted answers
    best_streak: int = 0
    level_session: int | None = None  # the session in which the current level was reached
    reviews_passed: int = 0  # correct unassisted answers in later sessions while proficient or mastered
    last_seen: float | None = None
    last_session: int | None = None
    attempts: int = 0
    correct: int = 0
    recent: tuple = ()  # the last RECENT outcomes (True = correct unassisted)

    @property
    def mastery(self) -> str:
        return LEVELS[self.level]


RECENT = 10


def replay(attempts, key=lambda a: a.topic, names=TOPICS) -> dict[str, RuleProgress]:
    """Mastery per rule category (the problem's topic), earned and lost as the attempts happened.

    new -> practising on the first attempt; practising -> proficient on a correct unassisted answer at difficulty
    2 or more with a streak of 3; proficient -> mastered on a correct unassisted answer at difficulty 3 with a
    streak of 3 in a later session than the one that made it proficient (it held up when reviewed). A miss
    (wrong, skipped, revealed) at proficient or mastered drops one level; a hinted answer breaks the streak.
    `key` groups the attempts (the topic by default; stats also replays them by what was asked, the ask).
    """
    out = {t: RuleProgress() for t in names}
    for a in attempts:
        p = out.setdefault(key(a), RuleProgress())
        p.attempts += 1
        p.correct += int(a.correct)
        if p.level == 0:
            p.level, p.level_session = 1, a.session_id
        clean = a.correct and not a.assisted
        if clean:
            p.streak += 1
            p.best_streak = max(p.best_streak, p.streak)
            if p.level >= 2 and a.session_id != p.level_session and a.session_id != p.last_session:
                p.reviews_passed += 1
            if p.level == 1 and a.difficulty >= 2 and p.streak >= 3:
                p.level, p.level_session = 2, a.session_id
            elif p.level == 2 and a.difficulty >= 3 and p.streak >= 3 and a.session_id != p.level_session:
                p.level, p.level_session, p.reviews_passed = 3, a.session_id, 0
        else:
            p.streak = 0
            if not a.correct and p.level >= 2:
                p.level, p.level_session, p.reviews_passed = p.level - 1, a.session_id, 0
        p.recent = (p.recent + (clean,))[-RECENT:]
        p.last_seen = a.answered_at
        p.last_session = a.session_id
    return out


def _acc(attempts: int, correct: int):
    return round(correct / attempts, 3) if attempts else None


def _counts(rows) -> dict:
    n = len(rows)
    c = sum(1 for a in rows if a.correct)
    return {"attempts": n, "correct": c, "accuracy": _acc(n, c)}


def compute_stats(attempts, now: float | None = None) -> dict:
    """The stats document: totals, per rule category (with streaks and mastery) and per difficulty,
    each with its last 7 days. `attempts` in the order answered."""
    now = time.time() if now is None else now
    attempts = list(attempts)
    week = [a for a in attempts if a.answered_at >= now - WEEK]
    progress = replay(attempts)
    rules = {}
    # log-diff, inverse-trig and ml (sets that name them only) are listed once answered in, as a drill takes them.
    answered = {a.topic for a in attempts}
    shown = [t for t in TOPICS if t not in NAMED_TOPICS or t in answered]
    for t in shown + sorted(set(progress) - set(TOPICS)):
        p = progress[t]
        mine = [a for a in attempts if a.topic == t]
        rules[t] = {**_counts(mine), "streak": p.streak, "best_streak": p.best_streak, "mastery": p.mastery,
                    "last_7_days": _counts([a for a in week if a.topic == t])}
    diffs = {}
    for d in DIFFICULTIES:
        mine = [a for a in attempts if a.difficulty == d]
        diffs[str(d)] = {**_counts(mine), "last_7_days": _counts([a for a in week if a.difficulty == d])}
    # Per ask (f′(x), f″, f′(a), tangent, normal), with mastery earned the same way: every ask answered so far.
    by_ask = replay(attempts, key=_ask_of, names=())
    asks = {}
    for name in _ask_order(by_ask):
        p = by_ask[name]
        mine = [a for a in attempts if _ask_of(a) == name]
        asks[name] = {**_counts(mine), "streak": p.streak, "best_streak": p.best_streak, "mastery": p.mastery,
                      "last_7_days": _counts([a for a in week if _ask_of(a) == name])}
    return {
        "total": {"attempts": len(attempts), "correct": sum(1 for a in attempts if a.correct)},
        "rules": rules,
        "difficulties": diffs,
        "asks": asks,
    }


def _ask_of(a) -> str:
    return getattr(a, "ask", "derivative") or "derivative"


def _ask_order(seen) -> list[str]:
    from ..asks import NAMES

    return [n for n in NAMES if n in seen] + sorted(set(seen) - set(NAMES))
