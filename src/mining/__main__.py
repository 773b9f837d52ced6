"""``python -m mining``: the same as the ``mining`` command."""

from mining.cli import main

raise SystemExit(main())
