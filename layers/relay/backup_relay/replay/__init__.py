"""Replay: start again the copies that failed."""
