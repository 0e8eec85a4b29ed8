"""MAM jobs for the shared-pace process test (EXTRA_JOBS=catalog.tests.jobs).

Each searches MyAnonamouse MAM_PROBE_SEARCHES times through the real client, as fast as
the client lets it: three of them in three processes show whether the pace is shared.
"""

import os
from datetime import timedelta

from catalog.clients.mam import MamClient
from scheduling.registry import Job


def mam_probe(run):
    searches = int(os.environ.get("MAM_PROBE_SEARCHES", "8"))
    client = MamClient()
    run.set_total(searches)
    for number in run.items(range(searches)):
        client.search(text=f"probe {number}", per_page=5)
        run.succeeded("search", number)
    return f"{searches} searches"


def _job(name):
    return Job(
        name=name,
        title=f"MAM probe {name}",
        func_path="catalog.tests.jobs.mam_probe",
        schedule_setting=f"TEST_{name.upper()}_TIME",
        flag_setting=None,
        misfire_grace=timedelta(seconds=30),
        schedule="0 0 1 1 *",
    )


JOBS = [_job("mam_probe_a"), _job("mam_probe_b"), _job("mam_probe_c")]
