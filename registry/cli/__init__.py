"""The command line (Typer): ``passports`` and its sub-apps, one module per job. The top layer."""
