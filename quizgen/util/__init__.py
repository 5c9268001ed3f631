"""Plumbing every layer may use: worker processes, whole-file writes, terminal-safe text."""
