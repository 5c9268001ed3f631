"""`python -m quizgen.cli`: the same command line as `quizgen`."""

from . import main

main()
