"""dk migrate: database migrations with the safety a production database needs."""

__version__ = "0.1.0"
