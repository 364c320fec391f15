from kabar.cli import app

app()
