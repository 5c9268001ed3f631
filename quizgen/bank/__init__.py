"""Problem banks: the model (families, parameters, topics) and the loader that validates TOML files into it."""

from ..rules import TOPICS
from .loader import bank_files, default_bank_dir, load_bank
from .model import DEFAULT_INSTRUCTION, Bank, Constraint, Family, Param, Topic

__all__ = ["Bank", "Constraint", "DEFAULT_INSTRUCTION", "Family", "Param", "TOPICS", "Topic", "bank_files",
           "default_bank_dir", "load_bank"]
