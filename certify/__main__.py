"""``python -m certify``: the command line."""

from .cli import main

main()
