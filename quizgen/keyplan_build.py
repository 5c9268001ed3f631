"""Measures the key plans of the shipped families and writes quizgen/keyplan_table.py (maintainers: after changing a
shipped family, quizgen.keyform or the printers, run `python -m quizgen.keyplan_build`)."""

from __future__ import annotations


def measure(bank=None, seeds=range(100, 105), per_seed: int = 40) -> dict:
    """{family id: (digest, sorted winning candidate names)} over `per_seed` problems for each seed, searched in
    full; families whose keys never reach textbook() (log-diff, several variables) are left out."""
    import sympy as sp

    from . import keyform, keyplan
    from .bank import load_bank
    from .errors import GenerationError
    from .mathparse import symbol
    from .problems import lazy_set

    bank = bank or load_bank()
    plan = {}
    keyplan._OFF[0] = True
    try:
        for fam in bank.families:
            if fam.variables and len(fam.variables) > 1:
                continue
            won = set()
            x = symbol(fam.variable)
            for seed in seeds:
                drawn = []
                try:  # a family with fewer distinct draws than its capacity says: those it made before the error
                    for p in lazy_set(min(per_seed, fam.capacity), seed=seed, bank=bank, families=[fam.id]).problems:
                        drawn.append(p)
                except GenerationError:
                    pass
                for p in drawn:
                    expr = p.expr
                    if isinstance(expr, sp.Equality):
                        continue
                    if "log-diff" in fam.rules and keyform.log_diff_key(expr, x) is not None:
                        continue
                    d = sp.diff(expr, x)
                    won.add(keyform.textbook_kind(d, x, "quotient" in fam.rules, "chain" in fam.rules)[1])
            if won:
                plan[fam.id] = (keyplan.family_digest(fam), tuple(sorted(won)))
    finally:
        keyplan._OFF[0] = False
    return plan


def write_table(plan: dict, path=None) -> None:
    from pathlib import Path

    from .util.files import write_text

    path = Path(path) if path else Path(__file__).with_name("keyplan_table.py")
    lines = ['"""Key plans (see quizgen.keyplan), written by `python -m quizgen.keyplan_build`."""',
             "",
             "# Family id -> (its digest, the key forms that won). Do not edit: regenerate after changing a shipped",
             "# family, quizgen.keyform or the printers.", "PLAN = {"]
    for fid in sorted(plan):
        digest, kinds = plan[fid]
        lines.append(f"    {fid!r}: ({digest!r}, {tuple(kinds)!r}),")
    lines.append("}")
    write_text(path, "\n".join(lines) + "\n")


if __name__ == "__main__":
    table = measure()
    write_table(table)
    print(f"{len(table)} families; raw derivative only: {sum(1 for _, k in table.values() if k == ('raw',))}")
