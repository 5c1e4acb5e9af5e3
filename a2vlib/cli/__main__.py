"""``python -m a2vlib.cli``: the ``a2v`` command."""
import sys

from a2vlib.cli.parser import main

sys.exit(main())
