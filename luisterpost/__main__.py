"""`python -m luisterpost` runs the command line."""

from .cli import main

main()
