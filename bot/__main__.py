"""``python -m bot`` runs the ``policybot`` command."""

from bot.cli import main

raise SystemExit(main())
