"""The pace MAM sees: the scheduler and two runtasks searching one fake MAM at once."""

import tempfile
from pathlib import Path

from bench.report import Figure
from catalog.tests.pace_scenario import most_in_any_window, observed_rate, searches_seen

METHOD = """
One fake MyAnonamouse (a local HTTP server that notes the moment of every search it
answers) and three processes searching it as fast as their client lets them: a
`runscheduler` running one MAM job (a run-now request) and two `manage.py runtask`s of two
more, started together, every process with the same MAM_REQUESTS_PER_SECOND
(catalog/tests/pace_scenario.py; the jobs are catalog/tests/jobs.py, each search one real
MamClient.search()). Figure: the requests per second the fake saw over the whole run
((n - 1) over the time from the first search to the last); reference: the configured rate.
Goal: at most 1.0 times the rate. Before the shared pace each process kept to the rate
alone, and three processes sent three times it.
"""


def run(ctx):
    section = ctx.section("pace", "One pace per host across processes", METHOD)
    # The full run uses MAM's default rate; --small a faster one, to stay quick.
    rate, searches = (2.0, 4) if ctx.small else (0.3, 6)
    with tempfile.TemporaryDirectory(dir=ctx.workdir) as workdir:
        moments = searches_seen(Path(workdir), rate, searches=searches)
    seen = observed_rate(moments)
    section.add(
        Figure(
            "requests per second one fake MAM saw from the scheduler and two runtasks",
            seen,
            "requests/s",
            reference=rate,
            reference_what="MAM_REQUESTS_PER_SECOND",
            goal="≤ 1.0×",
            met=seen <= rate,
            note=f"{len(moments)} searches",
        )
    )
    section.detail(
        f"most searches in any one second: {most_in_any_window(moments)} at {rate:g}/s; "
        f"{len(moments)} searches over {moments[-1] - moments[0]:.1f} s"
    )
