"""kabar: a multi-source news story engine, Indonesian first and English second."""

__version__ = "0.1.0"
