"""``python -m registry.cli``: the same as the ``passports`` command."""

from registry.cli.main import main

main()
