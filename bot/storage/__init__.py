"""SQLite storage: the connection, migrations and one repository per table group."""
