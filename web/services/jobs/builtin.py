"""The platform's own jobs: importing this module registers them (see JOB_MODULES)."""

from __future__ import annotations

import importlib

# Each module registers its jobs when imported; another area adds its module here.
JOB_MODULES = (
    "web.services.jobs.maintenance",
    "web.services.jobs.match_jobs",
    "web.services.jobs.liaison_jobs",
)

for _module in JOB_MODULES:
    importlib.import_module(_module)
