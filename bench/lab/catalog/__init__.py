"""The certification catalog: signatures, criteria and verdicts, the SQLite store, the site."""
