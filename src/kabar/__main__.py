"""`python -m kabar`: the same command, with the same error handling, as `kabar`."""

from kabar.cli import app

app(prog_name="kabar")
