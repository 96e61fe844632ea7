"""Hypothesis profiles, picked by HYPOTHESIS_PROFILE and loaded by tests/conftest.py:

- `quick`, the default: few examples and no deadline, for the edit-and-test loop;
- `thorough`, what `make test` runs: Hypothesis's own defaults (100 examples, 200 ms deadline),
  and every count a test asks for through `examples()` in full.
"""

from __future__ import annotations

import os

from hypothesis import settings

QUICK = "quick"
THOROUGH = "thorough"
PROFILE_VARIABLE = "HYPOTHESIS_PROFILE"

settings.register_profile(QUICK, max_examples=10, deadline=None)
settings.register_profile(THOROUGH, max_examples=100)


def load_profile() -> str:
    """Load the profile HYPOTHESIS_PROFILE names (quick when unset); its name."""
    name = os.environ.get(PROFILE_VARIABLE) or QUICK
    settings.load_profile(name)
    return name


def examples(thorough: int) -> int:
    """How many examples a test that wants `thorough` of them in `make test` gets under the loaded
    profile: all of them under `thorough`, the same share of the loaded profile's count otherwise,
    but not fewer than a test that asks for nothing gets (a fuzz that asks for 1,500 gets 150 in
    the quick loop). Call it in `@settings`, after tests/conftest.py has loaded the profile."""
    loaded = settings().max_examples  # a settings object starts from the loaded profile
    full = settings.get_profile(THOROUGH).max_examples
    return max(thorough * loaded // full, min(thorough, loaded))
