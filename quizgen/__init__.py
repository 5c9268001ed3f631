"""quizgen: derivative drills, worksheets and exams with SymPy-verified answer keys."""

__version__ = "0.1.0"
