"""Hypothesis profiles for the tests: "ci" (derandomized: the same examples on every run, no
example database) is selected when the environment variable CI is "true"; "dev" (random
examples, remembered failures) otherwise. HYPOTHESIS_PROFILE=ci|dev overrides the choice."""

import os

from hypothesis import settings

settings.register_profile("ci", max_examples=25, deadline=None, derandomize=True, database=None)
settings.register_profile("dev", max_examples=25, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE")
                      or ("ci" if os.environ.get("CI", "").lower() == "true" else "dev"))
