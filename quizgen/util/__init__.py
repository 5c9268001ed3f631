"""Small helpers with no dependencies that every layer may use: safe file writing, terminal-safe text."""
