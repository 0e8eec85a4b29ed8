import pytest

from scheduling.tests.processes import wait_until

pytestmark = pytest.mark.slow


def test_a_job_fires_at_its_cron_time_in_a_real_scheduler(spawn, process_db):
    scheduler = spawn("runscheduler", TEST_TICK_TIME="*/2 * * * * *")
    scheduler.wait_for_output("Leader")
    wait_until(lambda: len(process_db.tasks("tick")) >= 2, 20, "two tick runs")
    assert scheduler.stop() == 0
    statuses = {row[2] for row in process_db.tasks("tick")}
    assert statuses == {"completed"}
