"""Teachers' exams: spec, roster, question kinds, drawing versions, and writing the files."""

from ..mistakes import MISTAKE_LABELS
from . import kinds
from .build import Exam, Version, build_exam, check_exam, derive_seed, family_mix, version_label
from .question import Option, Question, decimal_text
from .roster import Roster, Student, load_roster, roster_from_text, slugify
from .spec import ExamSpec, SectionSpec, load_spec, section_families, section_title, spec_from_dict
from .write import FORMATS, Staging, output_files, prepare_dir, write_exam, write_steps

KINDS = kinds.NAMES
choice_options = kinds.choice.choice_options
value_point = kinds.value.value_point

__all__ = ["Exam", "ExamSpec", "FORMATS", "KINDS", "MISTAKE_LABELS", "Option", "Question", "Roster", "SectionSpec",
           "Staging", "Student", "Version", "build_exam", "check_exam", "choice_options", "decimal_text", "derive_seed",
           "family_mix", "kinds", "load_roster", "load_spec", "output_files", "prepare_dir", "roster_from_text",
           "section_families", "section_title", "slugify", "spec_from_dict", "value_point", "version_label",
           "write_exam", "write_steps"]
