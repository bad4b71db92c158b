"""SQLite storage, the engine only: the connection, the migration runner and installation facts."""
