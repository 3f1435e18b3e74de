"""``python -m clientgen`` is ``clientgen``."""

from clientgen.cli import main

raise SystemExit(main())
