"""Alerts: one message per failure, saying what broke, why, and how to fix it (docs/alerts.md)."""
