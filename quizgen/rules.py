"""The course's vocabulary: the topics (rule categories) that banks, selection options and the history share."""

from __future__ import annotations

# Order matters: banks list, sheets balance and `stats` print topics in this order.
TOPICS = ("power", "basic", "product", "quotient", "chain", "exp-log")

# Rule names a bank family may list in `rules`: the structural rules, then the rules of the course functions.
# "quotient" and "chain" also choose the key's display form (one fraction; factors kept).
STRUCTURAL_RULES = ("constant", "sum", "constant-multiple", "power", "product", "quotient", "chain")
FUNCTION_RULES = ("exp", "ln", "exp-base", "log-base", "sin", "cos", "tan", "sec", "csc", "cot",
                  "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh")
BANK_RULES = STRUCTURAL_RULES + FUNCTION_RULES
