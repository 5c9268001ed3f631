"""Random functions (depth ≤ 4, not bank shapes) and their derivatives with one or two rule mistakes injected at a
chosen node — an independent differentiator, so the mistake generator in quizgen.mistakes is tested against
something it did not build itself. Used by tests/test_mistake_depth.py and benchmarks/bench_mistakes.py.

A node is a tuple: ("x",), ("num", n), ("add", a, b), ("sub", a, b), ("cmul", c, a), ("mul", a, b),
("div", a, b), ("pow", a, n), ("exp", a), ("expb", b, a), ("ln", a), ("logb", b, a), ("sin", a), ("cos", a),
("sqrt", a).
"""

from __future__ import annotations

import random

import sympy as sp

from quizgen.mathparse import symbol

x = symbol("x")

# The rule mistakes, each with the codes that name it (quizgen.mistakes.MISTAKE_CODES).
RULES = {
    "product": ("product-of-derivatives",),
    "quotient": ("quotient-sign", "quotient-of-derivatives", "quotient-denominator"),
    "chain": ("chain-missing-inner",),
    "ln-factor": ("missing-ln-factor",),
    "power": ("exponent-not-lowered", "exponent-raised"),
}


def random_function(rng: random.Random, depth: int = 4):
    """A random function of x with at most `depth` levels of operations."""
    if depth <= 0 or rng.random() < 0.15:
        return ("x",) if rng.random() < 0.85 else ("cmul", rng.choice([2, 3, 5]), ("x",))
    k = rng.choice(["add", "sub", "cmul", "mul", "mul", "div", "div", "pow", "pow", "exp", "expb", "ln", "logb",
                    "sin", "cos", "sqrt"])
    d = depth - 1
    if k in ("add", "sub"):
        b = random_function(rng, d) if rng.random() < 0.6 else ("num", rng.randint(1, 9))
        return (k, random_function(rng, d), b)
    if k == "cmul":
        return (k, rng.choice([2, 3, 4, 5, 7]), random_function(rng, d))
    if k in ("mul", "div"):
        return (k, random_function(rng, d), random_function(rng, d))
    if k == "pow":
        return (k, random_function(rng, d), rng.choice([2, 3, 4, 5, -1, -2, -3]))
    if k in ("expb", "logb"):
        return (k, rng.choice([2, 3, 5, 10]), random_function(rng, d))
    if k == "ln":
        # ln of something positive often enough: (u)^2 + 1 inside
        return (k, ("add", ("pow", random_function(rng, d - 1), 2), ("num", 1)) if rng.random() < 0.5
                else random_function(rng, d))
    return (k, random_function(rng, d))


def text(n) -> str:
    """The node as a teacher types it (fully parenthesised where it matters)."""
    k = n[0]
    if k == "x":
        return "x"
    if k == "num":
        return str(n[1])
    if k == "add":
        return f"{text(n[1])} + {text(n[2])}"
    if k == "sub":
        return f"{text(n[1])} - ({text(n[2])})"
    if k == "cmul":
        return f"{n[1]}*({text(n[2])})"
    if k == "mul":
        return f"({text(n[1])})*({text(n[2])})"
    if k == "div":
        return f"({text(n[1])})/({text(n[2])})"
    if k == "pow":
        return f"({text(n[1])})^({n[2]})"
    if k == "exp":
        return f"e^({text(n[1])})"
    if k == "expb":
        return f"{n[1]}^({text(n[2])})"
    if k == "ln":
        return f"ln({text(n[1])})"
    if k == "logb":
        return f"log_{n[1]}({text(n[2])})"
    return f"{k}({text(n[1])})"


def value(n):
    """The node as SymPy."""
    k = n[0]
    if k == "x":
        return x
    if k == "num":
        return sp.Integer(n[1])
    a = value(n[-1]) if k in ("cmul", "expb", "logb") else value(n[1])
    if k == "add":
        return a + value(n[2])
    if k == "sub":
        return a - value(n[2])
    if k == "cmul":
        return n[1] * a
    if k == "mul":
        return a * value(n[2])
    if k == "div":
        return a / value(n[2])
    if k == "pow":
        return a ** n[2]
    if k == "exp":
        return sp.exp(a)
    if k == "expb":
        return sp.Integer(n[1]) ** a
    if k == "ln":
        return sp.log(a)
    if k == "logb":
        return sp.log(a) / sp.log(n[1])
    if k == "sqrt":
        return sp.sqrt(a)
    return getattr(sp, k)(a)


def sites(n, path=()):
    """(path, rule, variant) for every node where a rule mistake can be made; variant picks one of the rule's
    wrong forms."""
    k = n[0]
    out = []
    inner = n[-1] if k in ("cmul", "expb", "logb") else (n[1] if len(n) > 1 and isinstance(n[1], tuple) else None)
    if k == "mul":
        out.append((path, "product", "f'g'"))
    if k == "div":
        out += [(path, "quotient", "sign"), (path, "quotient", "f'/g'"), (path, "quotient", "not squared")]
    if k == "pow":
        out.append((path, "power", "not lowered" if n[2] > 0 else "raised"))
    if k in ("expb", "logb"):
        out.append((path, "ln-factor", "missing"))
    if k in ("pow", "exp", "expb", "ln", "logb", "sin", "cos", "sqrt") and inner is not None and inner != ("x",):
        out.append((path, "chain", "no inner"))
    for i, child in enumerate(n[1:], 1):
        if isinstance(child, tuple):
            out += sites(child, path + (i,))
    return out


def derivative(n, wrong: dict | None = None, path=()):
    """d/dx of the node by the rules; at each path in `wrong` (path -> (rule, variant)) that rule is misapplied."""
    wrong = wrong or {}
    k = n[0]
    here = wrong.get(path)
    if k == "x":
        return sp.S.One
    if k == "num":
        return sp.S.Zero
    if k in ("cmul", "expb", "logb"):
        u, du = value(n[2]), derivative(n[2], wrong, path + (2,))
    elif k != "x" and k != "num":
        u, du = value(n[1]), derivative(n[1], wrong, path + (1,))
    if k == "add":
        return du + derivative(n[2], wrong, path + (2,))
    if k == "sub":
        return du - derivative(n[2], wrong, path + (2,))
    if k == "cmul":
        return n[1] * du
    if k in ("mul", "div"):
        g, dg = value(n[2]), derivative(n[2], wrong, path + (2,))
        if k == "mul":
            return du * dg if here else du * g + u * dg
        if here and here[1] == "sign":
            return (u * dg - du * g) / g**2
        if here and here[1] == "f'/g'":
            return du / dg
        if here and here[1] == "not squared":
            return (du * g - u * dg) / g
        return (du * g - u * dg) / g**2
    chain = sp.S.One if here and here[0] == "chain" else du
    if k == "pow":
        m = n[2]
        if here and here[0] == "power":
            return m * u ** (m if m > 0 else m + 1) * chain
        return m * u ** (m - 1) * chain
    if k == "exp":
        return sp.exp(u) * chain
    if k == "expb":
        lna = sp.S.One if here and here[0] == "ln-factor" else sp.log(n[1])
        return sp.Integer(n[1]) ** u * lna * chain
    if k == "ln":
        return chain / u
    if k == "logb":
        lna = sp.S.One if here and here[0] == "ln-factor" else sp.log(n[1])
        return chain / (u * lna)
    if k == "sqrt":
        return chain / (2 * sp.sqrt(u))
    if k == "sin":
        return sp.cos(u) * chain
    if k == "cos":
        return -sp.sin(u) * chain
    raise ValueError(k)


def cases(n_functions: int, seed: int = 13, per_function: int = 3):
    """(problem text, rule, variant, path, wrong derivative) for one injected mistake at random sites of random
    functions; functions without sites, with huge text or constant are skipped."""
    rng = random.Random(seed)
    made = 0
    while made < n_functions:
        f = random_function(rng)
        t = text(f)
        if len(t) > 160 or not value(f).has(x):
            continue
        s = sites(f)
        if not s:
            continue
        made += 1
        for path, rule, variant in rng.sample(s, min(per_function, len(s))):
            yield t, rule, variant, path, derivative(f, {path: (rule, variant)})


def survey(n_functions: int = 150, seed: int = 13):
    """{rule: [named with its code, real mistakes counted, misses]}. A case is counted when the answer is wrong
    (decided) and is not also what a mistake of another rule at another node gives (then either code is right,
    and the most specific one is named): those are returned under "ambiguous"."""
    from quizgen.checker import check_answer
    from quizgen.errors import QuizgenError
    from quizgen.numeric import frame_for

    table = {r: [0, 0, []] for r in RULES}
    table["ambiguous"] = [0, 0, []]
    for t, rule, variant, path, wrong, f in _cases_with_tree(n_functions, seed):
        try:
            v = check_answer(t, wrong, "x")
        except QuizgenError:
            continue  # x/(x − x): the random function is not a function
        if v.correct or not v.decided or v.mistake == "domain-mismatch":
            continue  # the "mistake" changes nothing here (an inner derivative of 1, ...), or undecidable
        named = v.mistake in RULES[rule] or any(m in RULES[rule] for m in getattr(v, "mistakes", ()) or ())
        if not named:
            frame = frame_for(x, value(f), sp.diff(value(f), x))
            others = [derivative(f, {p: (r, var)}) for p, r, var in sites(f) if r != rule]
            if any(frame.same(o, wrong) for o in others):
                table["ambiguous"][1] += 1
                table["ambiguous"][2].append((t, rule, variant, path, v.mistake))
                continue
        table[rule][1] += 1
        if named:
            table[rule][0] += 1
        else:
            table[rule][2].append((t, variant, path, v.mistake))
    return table


def _cases_with_tree(n_functions, seed):
    rng = random.Random(seed)
    made = 0
    while made < n_functions:
        f = random_function(rng)
        t = text(f)
        if len(t) > 160 or not value(f).has(x):
            continue
        s = sites(f)
        if not s:
            continue
        made += 1
        for path, rule, variant in rng.sample(s, min(3, len(s))):
            yield t, rule, variant, path, derivative(f, {path: (rule, variant)}), f
