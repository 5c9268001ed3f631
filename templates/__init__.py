"""Jinja templates; a package only so that they ship inside the wheel as quizgen.templates."""
