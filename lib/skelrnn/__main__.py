"""``python -m skelrnn``: the command line of ``skelrnn.cli``."""

import sys

from skelrnn.cli import main

if __name__ == "__main__":
    sys.exit(main())
