"""`python -m replica`: the same as `xxgk replica`."""

import sys

from replica.cli import main

sys.exit(main())
