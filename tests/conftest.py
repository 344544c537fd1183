"""Test-wide settings.

CI runs hypothesis derandomized (`HYPOTHESIS_PROFILE=ci`, set by .ci/run): the same examples on
every run, so a red build always means a change, never a lucky draw. Developers' runs explore
new examples each time; what they find goes into an `@example`.
"""

from __future__ import annotations

import os

from hypothesis import settings

settings.register_profile("ci", derandomize=True, print_blob=True)
settings.register_profile("dev", print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))
