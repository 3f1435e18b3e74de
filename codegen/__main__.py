"""``python -m codegen`` is ``clientgen``."""

from codegen.cli import main

raise SystemExit(main())
