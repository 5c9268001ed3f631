"""Adaptive drills: which rules and difficulties to ask next, from the history (weak rules, due reviews, rising level)."""

from __future__ import annotations

import dataclasses
import random
from dataclasses import dataclass
from datetime import date

from ..rules import NAMED_TOPICS, TOPICS
from .progress import RuleProgress, replay
from .store import LEVELS

# Days until a rule comes back for review: proficient rules after a day, mastered ones after 3, 6, 12, ... days
# (doubling with each review passed), never more than MAX_INTERVAL.
PROFICIENT_INTERVAL = 1
MASTERED_INTERVAL = 3
MAX_INTERVAL = 60
RECENT_EXCLUDE = 100  # problems asked in the last this-many attempts are not asked again in a drill if avoidable


@dataclass(frozen=True)
class Pick:
    """One slot of a drill: a rule category, a difficulty and why it was chosen."""

    topic: str
    difficulty: int
    reason: str  # new | weak | practice | review | extra

    @property
    def review(self) -> bool:
        return self.reason == "review"


@dataclass(frozen=True)
class RulePlan:
    topic: str
    mastery: str
    weight: float
    difficulty: int
    reason: str
    due: bool
    recent_accuracy: float | None
    interval_days: int | None
    days_since: int | None


def recent_accuracy(p: RuleProgress) -> float:
    """Share of the recent answers that were right without help, smoothed so two answers do not swing it to 0 or 1."""
    return (sum(p.recent) + 1) / (len(p.recent) + 2)


def interval_days(p: RuleProgress) -> int | None:
    """Days after which a rule at proficient or mastered is due for review (None below proficient)."""
    if p.level == 2:
        return PROFICIENT_INTERVAL
    if p.level == 3:
        return min(MAX_INTERVAL, MASTERED_INTERVAL * 2 ** p.reviews_passed)
    return None


def rule_plans(attempts, today: date, topics=TOPICS) -> list[RulePlan]:
    """How much each rule category should be drilled today, at which difficulty and why."""
    progress = replay(attempts)
    out = []
    for t in topics:
        p = progress.get(t) or RuleProgress()
        acc = recent_accuracy(p)
        days = (today - date.fromtimestamp(p.last_seen)).days if p.last_seen is not None else None
        interval = interval_days(p)
        due = interval is not None and days is not None and days >= interval
        if p.level == 0:
            weight, diff, reason = 1.5, 1, "new"
        elif p.level == 1:
            weight = 1.0 + 4.0 * (1.0 - acc)
            diff = 1 + (acc >= 0.5) + (acc >= 0.75 and p.streak >= 2)
            reason = "weak" if acc < 0.6 else "practice"
        elif due:
            weight, diff, reason = 2.0, 3 if (p.level == 3 or p.streak >= 2) else 2, "review"
        elif p.level == 2:
            weight, diff, reason = 0.6 * (1.0 + 4.0 * (1.0 - acc)), 3 if p.streak >= 2 else 2, "practice"
        else:
            weight, diff, reason = 0.0, 3, "mastered"
        out.append(RulePlan(t, LEVELS[p.level], round(weight, 4), int(diff), reason, due,
                            round(acc, 3) if p.recent else None, interval, days))
    return out


def plan(attempts, n: int, seed: int, today: date | None = None, topics=TOPICS, named=NAMED_TOPICS) -> list[Pick]:
    """The drill's slots, in the order asked. The same seed, history and day give the same plan.

    Topics in `named` (log-diff, inverse-trig, ml: only in sets that name them) join once answered in."""
    today = today or date.today()
    rng = random.Random(f"quizgen-drill:{seed}")
    attempts = list(attempts)
    seen = {a.topic for a in attempts}
    topics = tuple(t for t in topics if t not in named or t in seen)
    plans = rule_plans(attempts, today, topics)
    picks: list[Pick] = []
    # Due reviews first claim a slot each, most overdue first.
    due = sorted((p for p in plans if p.due), key=lambda p: (-(p.days_since - p.interval_days), p.topic))
    for p in due[:n]:
        picks.append(Pick(p.topic, p.difficulty, "review"))
    by_topic = {p.topic: p for p in plans}
    # The rest is shared out in proportion to the weights (largest remainders; the seed breaks ties), so a weak
    # rule gets more slots without crowding out the others; due rules already have their review.
    weights = {p.topic: (0.0 if p.due else p.weight) for p in plans}
    if sum(weights.values()) <= 0:
        # Everything mastered and nothing (more) due: keep sharp on all of it, at the top difficulty.
        weights = {t: 1.0 for t in weights}
        by_topic = {t: dataclasses.replace(p, reason="extra", difficulty=3) for t, p in by_topic.items()}
    left = n - len(picks)
    total = sum(weights.values())
    quotas = {t: left * w / total for t, w in weights.items()}
    counts = {t: int(q) for t, q in quotas.items()}
    tiebreak = {t: rng.random() for t in sorted(weights)}
    order = sorted(weights, key=lambda t: (-(quotas[t] - counts[t]), -weights[t], tiebreak[t]))
    for t in order[:left - sum(counts.values())]:
        counts[t] += 1
    for t in sorted(counts):
        p = by_topic[t]
        picks.extend(Pick(t, p.difficulty, p.reason) for _ in range(counts[t]))
    rng.shuffle(picks)
    return picks


def drill_set(attempts, n: int = 10, seed: int | None = None, today: date | None = None, bank=None,
              ask: str = "derivative"):
    """(ProblemSet, picks): n problems following plan(), fresh ones rather than those asked recently."""
    from ..errors import GenerationError
    from ..problems import ProblemSet, generate_set, new_seed
    from ..bank import load_bank

    attempts = list(attempts)
    seed = new_seed() if seed is None else int(seed)
    bank = bank or load_bank()
    topics = tuple(t for t in TOPICS if t in bank.topics)
    named = tuple(t for t, v in bank.topics.items() if not v.mixed)
    picks = plan(attempts, n, seed, today, topics, named)
    rng = random.Random(f"quizgen-drill-problems:{seed}")
    recent = {a.expr for a in attempts[-RECENT_EXCLUDE:]}
    groups: dict[tuple[str, int], list[int]] = {}
    for i, pk in enumerate(picks):
        groups.setdefault((pk.topic, pk.difficulty), []).append(i)
    slots: list = [None] * len(picks)
    chosen: set[str] = set()
    for (topic, diff), where in sorted(groups.items()):
        sub = rng.randrange(1, 2**31)
        try:
            ps = generate_set(len(where), topics=[topic], difficulty=diff, seed=sub, bank=bank, command="drill",
                              exclude_ids=recent | chosen, ask=ask)
        except GenerationError:
            ps = generate_set(len(where), topics=[topic], difficulty=diff, seed=sub, bank=bank, command="drill",
                              exclude_ids=chosen, ask=ask)
        for i, prob in zip(where, ps.problems):
            slots[i] = prob
            chosen.add(str(prob.expr))
    problems = [dataclasses.replace(p, number=i + 1) for i, p in enumerate(slots)]
    options = {"command": "drill", "n": n, "topics": [], "difficulty": None, "families": [], "seed": seed}
    if ask != "derivative":
        options["ask"] = ask
    return ProblemSet(seed, options, problems), picks


__all__ = ["Pick", "RulePlan", "plan", "rule_plans", "drill_set", "recent_accuracy", "interval_days"]
