"""Problem bank files (TOML); a package only so that they ship inside the wheel as quizgen.banks."""
