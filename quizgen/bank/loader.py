"""Reading banks: `banks/*.toml` (or a teacher's own files) validated into the model, every problem at once."""

from __future__ import annotations

import re
from fractions import Fraction
from importlib import resources
from pathlib import Path

from ..errors import BankError, ParseError
from ..fields import read_toml
from ..rules import BANK_RULES, SEVERAL_TOPICS, TOPICS
from .model import DEFAULT_INSTRUCTION, Bank, Constraint, Family, Param, Topic

TOP_KEYS = {"topic", "title", "description", "family", "mixed"}
FAMILY_KEYS = {"id", "difficulty", "title", "template", "params", "constraints", "instruction", "variable",
               "neg_powers", "constant_derivative", "rules", "max_answer_length", "max_order",
               "variables", "ask", "wrt"}
# What a family may ask by default (several variables; a one-variable family asks f′(x) unless told otherwise).
FAMILY_ASKS = ("partial", "mixed", "gradient", "implicit")
PARAM_KEYS = {"int", "exclude", "choice", "fraction"}
_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_PARAM_NAME = re.compile(r"^[a-df-z]$")  # one letter, not e (Euler's number)
_COMPARE = re.compile(r"(!=|==|<=|>=|<|>)")
MAX_DOMAIN = 10_000
# Bank text is printed on terminals and in every paper; a control character there (ESC, CR, a bidi override)
# would recolour a terminal, end a TeX comment line or break XML.
_HIDDEN = ("Cc", "Cf", "Zl", "Zp")


def _control(text: str) -> str | None:
    """The reason to refuse `text`, if it holds a control or format character."""
    import unicodedata

    for ch in text:
        if unicodedata.category(ch) in _HIDDEN:
            return f"contains a control character (U+{ord(ch):04X}): remove it"
    return None


def default_bank_dir():
    """The banks shipped with quizgen: quizgen.banks when installed, the checkout's top-level banks/ otherwise."""
    try:
        root = resources.files("quizgen.banks")
        if any(p.name.endswith(".toml") for p in root.iterdir()):
            return root
    except (ModuleNotFoundError, FileNotFoundError, NotADirectoryError):
        pass
    # A plain checkout (no `pip install`): banks/ sits beside the quizgen package, as templates/ does.
    return Path(__file__).resolve().parents[2] / "banks"


def bank_files(paths=None, extra=()) -> list:
    """Every .toml under the given files or folders (default: the shipped banks) plus `extra`, in a stable order."""
    if not paths:
        root = default_bank_dir()
        shipped = sorted((p for p in root.iterdir() if p.name.endswith(".toml")), key=lambda p: p.name)
        return shipped + bank_files(extra) if extra else shipped
    out = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            out.extend(sorted(p.glob("*.toml")))
        else:
            out.append(p)
    return out


def load_bank(paths=None, *, extra=()) -> Bank:
    """Read and validate bank files (default: the shipped banks; `extra`: a teacher's own files or folders added to
    them); raise BankError listing every problem found in every file."""
    problems: list[str] = []
    topics: dict[str, Topic] = {}
    seen_ids: dict[str, str] = {}
    for p in list(paths or ()) + list(extra or ()):
        if not Path(p).exists():
            problems.append(f"{p}: no such file or folder (a bank is a .toml file or a folder of them)")
        elif Path(p).is_dir() and not any(Path(p).glob("*.toml")):
            problems.append(f"{p}: no bank files (*.toml) in this folder")
    if problems:
        raise BankError(problems)
    files = bank_files(paths, extra)
    if not files:
        raise BankError([f"{', '.join(map(str, paths or []))}: no bank files (*.toml) found"])
    for path in files:
        name = _display_name(path)
        data, problem = read_toml(path, name)
        if problem:
            problems.append(problem)
            continue
        topic = _read_topic(data, name, problems, seen_ids)
        if topic is None:
            continue
        if topic.name in topics:
            old = topics[topic.name]
            topics[topic.name] = Topic(old.name, old.title, old.source, old.families + topic.families, old.mixed)
        else:
            topics[topic.name] = topic
    if problems:
        raise BankError(problems)
    ordered = {t: topics[t] for t in TOPICS + SEVERAL_TOPICS if t in topics}
    ordered.update({k: v for k, v in topics.items() if k not in ordered})
    return Bank(ordered)


def _display_name(path) -> str:
    """Shipped banks as banks/NAME.toml; a user's file as they named it."""
    try:
        if Path(str(path)).resolve().parent == Path(str(default_bank_dir())).resolve():
            return f"banks/{Path(str(path)).name}"
    except (OSError, TypeError):
        pass
    return str(path)


def _read_topic(data: dict, name: str, problems: list[str], seen_ids: dict) -> Topic | None:
    before = len(problems)
    for k in data:
        if k not in TOP_KEYS:
            problems.append(f"{name}: {k}: unknown key (allowed: {', '.join(sorted(TOP_KEYS))})")
    topic = data.get("topic")
    if not isinstance(topic, str) or not topic:
        problems.append(f"{name}: topic: missing (a name such as {', '.join(TOPICS)})")
        topic = "?"
    elif not _ID.match(topic):
        problems.append(f"{name}: topic: {topic!r} must be lower-case words joined by '-'")
    title = data.get("title", topic)
    if not isinstance(title, str):
        problems.append(f"{name}: title: must be text")
        title = topic
    for key in ("title", "description"):
        reason = _control(data[key]) if isinstance(data.get(key), str) else None
        if reason:
            problems.append(f"{name}: {key}: {reason}")
    mixed = data.get("mixed", True)
    if not isinstance(mixed, bool):
        problems.append(f"{name}: mixed: must be true or false")
        mixed = True
    fams = data.get("family")
    if fams is None:
        problems.append(f"{name}: family: no [[family]] tables")
        fams = []
    elif not isinstance(fams, list) or not all(isinstance(f, dict) for f in fams):
        problems.append(f"{name}: family: must be [[family]] tables")
        fams = []
    families = []
    for i, fd in enumerate(fams):
        fam = _read_family(fd, i, topic, name, problems, seen_ids)
        if fam is not None:
            families.append(fam)
    if len(problems) > before:
        return None
    return Topic(topic, title, name, tuple(families), mixed)


def _read_family(fd: dict, index: int, topic: str, name: str, problems: list[str], seen_ids: dict) -> Family | None:
    fid = fd.get("id")
    label = f"family {fid}" if isinstance(fid, str) and fid else f"family #{index + 1}"
    before = len(problems)

    def bad(fieldname: str, reason: str):
        problems.append(f"{name}: {label}: {fieldname}: {reason}")

    for k in fd:
        if k not in FAMILY_KEYS:
            bad(k, f"unknown key (allowed: {', '.join(sorted(FAMILY_KEYS))})")
    if not isinstance(fid, str) or not fid:
        bad("id", "missing")
    elif not _ID.match(fid):
        bad("id", f"{fid!r} must be lower-case words joined by '-', e.g. chain-exp-poly")
    elif fid in seen_ids:
        bad("id", f"duplicate: already used in {seen_ids[fid]}")
    else:
        seen_ids[fid] = name
    diff = fd.get("difficulty")
    if not isinstance(diff, int) or isinstance(diff, bool) or diff not in (1, 2, 3):
        bad("difficulty", f"must be 1, 2 or 3, not {diff!r}" if diff is not None else "missing (1, 2 or 3)")
    title = fd.get("title")
    if not isinstance(title, str) or not title.strip():
        bad("title", "missing")
    variables, ask, wrt = _read_several(fd, bad)
    var = fd.get("variable", variables[0] if variables else "x")
    if not isinstance(var, str) or not re.fullmatch(r"[a-df-z]", var):
        bad("variable", f"must be one lower-case letter other than e, not {var!r}")
        var = "x"
    if variables and var not in variables:
        bad("variable", f"{var!r} is not one of variables ({', '.join(variables)})")
    instruction = fd.get("instruction", DEFAULT_INSTRUCTION)
    if not isinstance(instruction, str):
        bad("instruction", "must be text")
        instruction = DEFAULT_INSTRUCTION
    for key in ("title", "instruction"):
        reason = _control(fd[key]) if isinstance(fd.get(key), str) else None
        if reason:
            bad(key, reason)
    for flag in ("neg_powers", "constant_derivative"):
        if flag in fd and not isinstance(fd[flag], bool):
            bad(flag, "must be true or false")
    mal = fd.get("max_answer_length", 60)
    if not isinstance(mal, int) or isinstance(mal, bool) or not 10 <= mal <= 200:
        bad("max_answer_length", "must be a whole number from 10 to 200")
        mal = 60
    max_order = fd.get("max_order", 2)
    if max_order not in (2, 3) or isinstance(max_order, bool):
        bad("max_order", f"must be 2 or 3 (the highest derivative a second-derivative question asks), not {max_order!r}")
        max_order = 2
    rules = fd.get("rules", [])
    if not isinstance(rules, list) or not all(isinstance(r, str) for r in rules):
        bad("rules", "must be a list of rule names")
        rules = []
    for r in rules:
        # "quotient" and "chain" choose the key's display form: a misspelt rule would silently change keys.
        if r not in BANK_RULES:
            bad("rules", f"unknown rule {r!r} (known: {', '.join(BANK_RULES)})")

    params = _read_params(fd.get("params", {}), var, bad, variables)
    # A family that passed every check before, byte for byte under this very code, is not parsed and drawn again
    # at each start (the 131 shipped templates' and constraints' parses were 0.05 s of every start, which the quiz's
    # first prompt waits for). The cheap checks above still run, and only full successes are kept (_mark_verified).
    checked = _verified(fd, topic)
    template = fd.get("template")
    if not isinstance(template, str) or not template.strip():
        bad("template", "missing (a formula such as \"a*x^n\")")
    else:
        declared = [k for k in (fd.get("params") or {}) if isinstance(k, str) and _PARAM_NAME.match(k) and k != var
                    and k not in variables] if isinstance(fd.get("params"), dict) else []
        if not checked:
            _check_template(template, var, declared, bad, variables, ask)
    constraints = []
    cons = fd.get("constraints", [])
    if not isinstance(cons, list) or not all(isinstance(c, str) for c in cons):
        bad("constraints", "must be a list of comparisons such as \"a != b\"")
        cons = []
    for j, c in enumerate(cons):
        parsed = _read_constraint(c, var, params or (), lambda r, j=j: bad(f"constraints[{j}]", r), variables,
                                  parse=not checked)
        if parsed:
            constraints.append(parsed)
    if len(problems) > before:
        return None
    fam = Family(fid, topic, diff, title.strip(), template, tuple(params), tuple(constraints), instruction, var,
                 bool(fd.get("neg_powers", False)), bool(fd.get("constant_derivative", False)), tuple(rules), mal, name,
                 max_order, variables, ask, wrt)
    if fam.capacity > 0 and not checked:
        if _check_draws(fam, bad):
            _mark_verified(fd, topic)
    return fam if len(problems) == before else None


# A family that passed once need not be parsed and drawn again at every start (the 64 shipped families' trial draws
# took 0.23 s of CPU per run, a fifth of `python -c "import sympy"`): the fact is kept in the cache folder under a
# digest of the family as written and of all of quizgen's code (util.files.code_digest: a change to the parser or the
# drawing code is a miss). Only successes are kept, so every misconfigured family is still reported; a marker is an
# empty file whose name is the digest, so nothing in the cache is ever read into a family.

def _verified_path(fd: dict, topic: str):
    import hashlib
    import json
    import os

    from ..util.files import code_digest

    raw = json.dumps([topic, fd], sort_keys=True, default=repr, ensure_ascii=False).encode("utf-8")
    digest = hashlib.sha256(code_digest() + raw).hexdigest()[:32]
    override = os.environ.get("QUIZGEN_CACHE_DIR")
    if override:
        folder = Path(override).expanduser()
    else:
        import platformdirs

        folder = Path(platformdirs.user_cache_dir("quizgen"))
    return folder / "families" / digest


def _verified(fd: dict, topic: str) -> bool:
    try:
        return _verified_path(fd, topic).is_file()
    except (OSError, TypeError, ValueError):
        return False


def _mark_verified(fd: dict, topic: str) -> None:
    from ..errors import OutputError
    from ..util.files import write_text

    try:
        path = _verified_path(fd, topic)
        path.parent.mkdir(parents=True, exist_ok=True)
        write_text(path, "", durable=False)
    except (OSError, OutputError, TypeError, ValueError):
        pass  # a read-only or full cache only costs speed


def _read_several(fd: dict, bad) -> tuple[tuple[str, ...], str, tuple[str, ...]]:
    """variables = ["x", "y"], ask = "partial" | "mixed" | "gradient" | "implicit", wrt = ["x"] (optional)."""
    variables = fd.get("variables", [])
    if not isinstance(variables, list) or not all(isinstance(v, str) and re.fullmatch(r"[a-df-hl-z]", v)
                                                   for v in variables):
        bad("variables", "must be a list of one-letter names (not e, i, j or k), e.g. [\"x\", \"y\"]")
        variables = []
    elif len(set(variables)) != len(variables):
        bad("variables", "names a variable twice")
        variables = []
    ask = fd.get("ask", "")
    if ask and ask not in FAMILY_ASKS:
        bad("ask", f"must be one of {', '.join(FAMILY_ASKS)}, not {ask!r}")
        ask = ""
    if ask and not variables:
        bad("ask", f"{ask} needs the family's variables, e.g. variables = [\"x\", \"y\"]")
    if variables and not ask:
        bad("variables", "a family of several variables says what it asks: ask = \"partial\", \"gradient\", ...")
    if ask == "implicit" and variables and variables != ["x", "y"]:
        bad("variables", "an implicit curve is in x and y: variables = [\"x\", \"y\"]")
    wrt = fd.get("wrt", [])
    if not isinstance(wrt, list) or not all(isinstance(v, str) and v in variables for v in wrt):
        bad("wrt", "must list variables of the family, e.g. wrt = [\"w\"]")
        wrt = []
    elif wrt and ask not in ("partial", "mixed") or (ask == "partial" and len(wrt) > 1) or (
            ask == "mixed" and wrt and len(wrt) != 2):
        bad("wrt", "one variable for a partial derivative, two for a mixed one, none for other asks")
        wrt = []
    return tuple(variables), ask, tuple(wrt)


def _to_fraction(v, where, bad) -> Fraction | None:
    if isinstance(v, bool):
        bad(where, f"{v!r} is not a number")
        return None
    if isinstance(v, int):
        return Fraction(v)
    if isinstance(v, str) and re.fullmatch(r"-?\d{1,6}(/\d{1,6})?", v.strip()):
        try:
            return Fraction(v.strip())
        except ZeroDivisionError:
            bad(where, f"{v!r} divides by zero")
            return None
    bad(where, f"{v!r} is not a whole number or a fraction written like \"3/2\"")
    return None


def _read_params(pd, var: str, bad, variables=()) -> list[Param] | None:
    if not isinstance(pd, dict):
        bad("params", "must be a table of name = { int = [lo, hi] } entries")
        return None
    out = []
    ok = True
    for pname, spec in pd.items():
        where = f"params.{pname}"
        if not _PARAM_NAME.match(pname) or pname == var or pname in variables:
            names = f"the variables {', '.join(variables)}" if variables else f"the variable {var!r}"
            bad(where, f"a parameter name must be one lower-case letter other than e and {names}")
            ok = False
            continue
        if not isinstance(spec, dict):
            bad(where, "must be a table such as { int = [1, 9], exclude = [0] }")
            ok = False
            continue
        for k in spec:
            if k not in PARAM_KEYS:
                bad(f"{where}.{k}", f"unknown key (allowed: {', '.join(sorted(PARAM_KEYS))})")
                ok = False
        kinds = [k for k in ("int", "choice", "fraction") if k in spec]
        if len(kinds) != 1:
            bad(where, "give exactly one of int = [lo, hi], choice = [...], fraction = { num = [lo, hi], den = [lo, hi] }")
            ok = False
            continue
        values: list[Fraction] = []
        kind = kinds[0]
        if kind == "int":
            r = spec["int"]
            if (not isinstance(r, list) or len(r) != 2 or not all(isinstance(v, int) and not isinstance(v, bool) for v in r)
                    or r[0] > r[1]):
                bad(f"{where}.int", "must be [lo, hi] with whole numbers lo <= hi")
                ok = False
                continue
            if r[1] - r[0] + 1 > MAX_DOMAIN:
                bad(f"{where}.int", f"range too large (at most {MAX_DOMAIN} values)")
                ok = False
                continue
            values = [Fraction(v) for v in range(r[0], r[1] + 1)]
        elif kind == "choice":
            ch = spec["choice"]
            if not isinstance(ch, list) or not ch:
                bad(f"{where}.choice", "must be a non-empty list")
                ok = False
                continue
            if len(ch) > MAX_DOMAIN:
                bad(f"{where}.choice", f"too many values ({len(ch)}; at most {MAX_DOMAIN})")
                ok = False
                continue
            seen: set = set()
            for v in ch:
                fv = _to_fraction(v, f"{where}.choice", bad)
                if fv is None:
                    ok = False
                elif fv not in seen:
                    seen.add(fv)
                    values.append(fv)
        else:
            fr = spec["fraction"]
            good = isinstance(fr, dict) and set(fr) == {"num", "den"} and all(
                isinstance(fr[k], list) and len(fr[k]) == 2 and all(isinstance(v, int) and not isinstance(v, bool)
                                                                   for v in fr[k]) and fr[k][0] <= fr[k][1]
                for k in ("num", "den"))
            if not good or fr["den"][0] < 2:
                bad(f"{where}.fraction", "must be { num = [lo, hi], den = [lo, hi] } with whole numbers and den >= 2")
                ok = False
                continue
            n_num, n_den = fr["num"][1] - fr["num"][0] + 1, fr["den"][1] - fr["den"][0] + 1
            if n_num * n_den > MAX_DOMAIN:
                bad(f"{where}.fraction", f"too many values ({n_num} × {n_den} = {n_num * n_den}; at most {MAX_DOMAIN})")
                ok = False
                continue
            found = {Fraction(nmr, d) for d in range(fr["den"][0], fr["den"][1] + 1)
                     for nmr in range(fr["num"][0], fr["num"][1] + 1)}
            values = sorted(f for f in found if f.denominator != 1)
        exclude = spec.get("exclude", [])
        if not isinstance(exclude, list):
            bad(f"{where}.exclude", "must be a list")
            ok = False
            continue
        excl = {_to_fraction(v, f"{where}.exclude", bad) for v in exclude}
        if None in excl:
            ok = False
            continue
        values = [v for v in values if v not in excl]
        if not values:
            bad(where, "no values left after exclusions")
            ok = False
            continue
        out.append(Param(pname, tuple(values)))
    return out if ok else None


def _sym_env(params):
    import sympy as sp

    return {(p if isinstance(p, str) else p.name): sp.Symbol(p if isinstance(p, str) else p.name) for p in params}


def _check_template(template: str, var: str, names_declared: list[str], bad, variables=(), ask: str = ""):
    from ..draw import parse_template

    try:
        expr = parse_template(template, var, _sym_env(names_declared), variables, ask)
    except ParseError as e:
        bad("template", e.one_line())
        return
    names = {s.name for s in expr.free_symbols}
    if variables:
        unused = [p for p in names_declared if p not in names]
        if unused:
            bad("params", f"declared but not used in the template: {', '.join(unused)}")
        missing = [v for v in variables if v not in names]
        if missing:
            bad("template", f"does not contain the variable{'s' if len(missing) > 1 else ''} {', '.join(missing)}")
        return
    unused = [p for p in names_declared if p not in names]
    if unused:
        bad("params", f"declared but not used in the template: {', '.join(unused)}")
    if var not in names:
        bad("template", f"does not contain the variable {var!r}")


def _read_constraint(text: str, var: str, params, bad, variables=(), parse: bool = True) -> Constraint | None:
    """A constraint; `parse=False` for a family verified before (its sides parsed then, under the same code)."""
    parts = _COMPARE.split(text)
    if len(parts) != 3:
        bad("a single comparison such as \"a != b\" or \"n > 1\" (operators != == < <= > >=)")
        return None
    lhs, op, rhs = (s.strip() for s in parts)
    if not parse:
        return Constraint(text, lhs, op, rhs)
    from ..mathparse import parse

    env = _sym_env(params)
    for side in (lhs, rhs):
        try:
            e = parse(side, var, env, variables=tuple(v for v in variables if v != var))
        except ParseError as err:
            bad(err.one_line())
            return None
        if any(s.name == var or s.name in variables for s in e.free_symbols):
            bad(f"compares the variable {var!r}; constraints are about parameters")
            return None
    return Constraint(text, lhs, op, rhs)


def _check_draws(fam: Family, bad) -> bool:
    """Draw a few times: a family none of whose first draws passes is misconfigured, say so now (False)."""
    import random

    from ..draw import DrawRejected, draw

    rng = random.Random(0)
    reasons: dict[str, int] = {}
    for _ in range(40):
        try:
            draw(fam, rng)
            return True
        except DrawRejected as e:
            reasons[str(e)] = reasons.get(str(e), 0) + 1
        except ParseError as e:
            bad("template", e.one_line())
            return False
    top = max(reasons, key=reasons.get) if reasons else "unknown"
    bad("params", f"no acceptable draw in 40 tries (most common reason: {top}); widen the domains or relax the constraints")
    return False
