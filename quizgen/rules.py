"""The course's vocabulary: the topics (rule categories) that banks, selection options and the history share."""

from __future__ import annotations

# Order matters: banks list, sheets balance and `stats` print topics in this order.
TOPICS = ("power", "basic", "product", "quotient", "chain", "exp-log")
