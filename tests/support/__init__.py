"""Helpers shared by the test suites (fixtures stay in conftest.py)."""
