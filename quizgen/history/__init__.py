"""The student's history: every answer in SQLite, progress and mastery replayed from it, and the adaptive drill."""

from .progress import RuleProgress, compute_stats, replay
from .store import LEVELS, SCHEMA_VERSION, Attempt, History, Session, data_dir, default_db_path

__all__ = ["Attempt", "History", "LEVELS", "RuleProgress", "SCHEMA_VERSION", "Session", "compute_stats", "data_dir",
           "default_db_path", "replay"]
