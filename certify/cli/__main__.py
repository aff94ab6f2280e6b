"""``python -m certify.cli``: the command line."""

from . import main

main()
