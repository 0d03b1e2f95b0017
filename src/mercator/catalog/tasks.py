"""Background work of the catalog (run by `mercator worker`): large Excel imports."""

from huey.contrib.djhuey import db_task

from mercator.catalog.excel import catalog_import_run


@db_task()
def catalog_import_task(job_id: int) -> None:
    # No retries: the job is claimed once; a crash leaves it visible as unfinished.
    catalog_import_run(job_id=job_id)
