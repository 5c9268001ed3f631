"""The terminal quiz as a library: a session over a QuizIO, and the runs that start one (quiz, redo, drill)."""

from .runs import rebuild_problem, redo_problems, run_drill, run_quiz, run_redo
from .session import (STYLES, ProblemResult, QuizIO, QuizResult, QuizSession, bar, fmt_duration, hint_view, plain,
                      preview, question_line, step_views, wrap)

__all__ = ["STYLES", "ProblemResult", "QuizIO", "QuizResult", "QuizSession", "bar", "fmt_duration", "hint_view",
           "plain", "preview", "question_line", "rebuild_problem", "redo_problems", "run_drill", "run_quiz",
           "run_redo", "step_views", "wrap"]
