"""Database access: engine, sessions, typed models and migrations."""
