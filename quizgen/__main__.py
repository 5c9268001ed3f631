"""`python -m quizgen`: the same command line as `quizgen`."""

from .cli import main

main()
