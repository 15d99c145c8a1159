"""The searchable-values tasks: discover, plan, collect (one per store and field), publish, report."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from airflow.sdk import BaseOperator
from airflow.sdk.exceptions import AirflowFailException, AirflowSkipException

from bigcommerce_sync.batches import BATCH_DB_CONN_ID
from bigcommerce_sync.searchable_fields import (
    FieldValuesError,
    SearchableField,
    collect_values,
    discover_fields,
)
from bigcommerce_sync.value_jobs import ValueChanges, ValueJobError, ValueJobRepository
from bigcommerce_sync.values_index import publish_values
from bigcommerce_sync.values_report import build_report, report_lines

if TYPE_CHECKING:
    from airflow.sdk import Context

    from bigcommerce_sync.stores import StoreConfig

MAX_VALUES_PARAM = "max_values_per_field"
# Why a job still Pending or Processing when the report runs ended without a result.
UNFINISHED = "its task did not finish (upstream failed, timed out, killed or cancelled)"


def value_store(store: StoreConfig) -> dict[str, Any]:
    """What the values tasks need of a store's registry entry (the mapped tasks' argument)."""
    return {
        "store_hash": store.store_hash,
        "search_conn_id": store.search_connection_id,
        "searchable_fields": list(store.searchable_fields),
        "keep_previous_indexes": store.keep_previous_indexes,
    }


def _each_mapped(context: Context, task_id: str, count: int) -> list[Any]:
    """The XComs of a task mapped over ``count`` stores, in store order (``None`` where it pushed none)."""
    return list(context["ti"].xcom_pull(task_ids=task_id, map_indexes=list(range(count))) or [])


class ValueJobsOperator(BaseOperator):
    """Base of the tasks that read or write the run's jobs in the batch store.

    :param batch_db_conn_id: the batch store's Postgres connection.
    """

    def __init__(self, *, batch_db_conn_id: str = BATCH_DB_CONN_ID, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.batch_db_conn_id = batch_db_conn_id

    def find_run(self, context: Context, repository: ValueJobRepository):
        return repository.find_run(context["dag"].dag_id, context["run_id"])


class DiscoverFieldsOperator(BaseOperator):
    """Find a store's searchable fields in its live product index.

    :param store: the store, as :func:`value_store` gives it.
    """

    def __init__(self, *, store: dict[str, Any], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.store = store

    def execute(self, context: Context) -> dict[str, Any]:
        from bigcommerce_sync.hooks.search import SearchHook  # the client is loaded only to run

        hook = SearchHook(self.store["search_conn_id"])
        fields = discover_fields(hook, self.store["store_hash"], self.store["searchable_fields"])
        self.log.info("Store %s: %d searchable fields: %s", self.store["store_hash"], len(fields), fields)
        return {"store_hash": self.store["store_hash"], "fields": [field.key for field in fields]}


class PlanValueJobsOperator(ValueJobsOperator):
    """Record the run and one Pending job per discovered store and field; return the jobs to map over.

    Runs whatever discovery did: a store whose discovery failed gets no job, and the report says so.

    :param stores: every store of the run, as :func:`value_store` gives them.
    :param discover_task_id: the mapped discovery task.
    """

    def __init__(self, *, stores: list[dict[str, Any]], discover_task_id: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.stores = stores
        self.discover_task_id = discover_task_id

    def execute(self, context: Context) -> list[dict[str, Any]]:
        repository = ValueJobRepository(self.batch_db_conn_id)
        repository.migrate()
        started = context["dag_run"].start_date or datetime.now(UTC)
        run = repository.start_run(dag_id=context["dag"].dag_id, run_id=context["run_id"], started_at=started)
        connections = {store["store_hash"]: store["search_conn_id"] for store in self.stores}
        max_values = int(context["params"][MAX_VALUES_PARAM])
        discovered = [d for d in _each_mapped(context, self.discover_task_id, len(self.stores)) if d]
        jobs = [
            {
                "job_id": job.id,
                "store_hash": job.store_hash,
                "field": job.field,
                "search_conn_id": connections[job.store_hash],
                "max_values": max_values,
            }
            for found in discovered
            for job in repository.plan(run.id, found["store_hash"], found["fields"])
        ]
        self.log.info("Value run %d: %d jobs for %d stores", run.id, len(jobs), len(discovered))
        return jobs


class CollectValuesOperator(ValueJobsOperator):
    """One job: collect a store's field values from its live product index and record them.

    An index missing or a field that cannot be aggregated fails the job at once (retrying cannot
    help); other errors are retried by Airflow, and the job fails with its last error.

    :param job: the job, as the plan task lists it.
    """

    def __init__(self, *, job: dict[str, Any], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.job = job

    def execute(self, context: Context) -> dict[str, Any]:
        from bigcommerce_sync.hooks.search import SearchHook  # the client is loaded only to run

        repository = ValueJobRepository(self.batch_db_conn_id)
        job_id = int(self.job["job_id"])
        try:
            job = repository.start(job_id)
        except ValueJobError as error:
            raise AirflowFailException(str(error)) from None
        field = SearchableField.from_key(job.field)
        try:
            hook = SearchHook(self.job["search_conn_id"])
            values = collect_values(hook, job.store_hash, field, int(self.job["max_values"]))
            changes = ValueChanges.between(repository.previous_counts(job), values)
            repository.complete(job_id, values, changes)
        except FieldValuesError as error:
            repository.fail(job_id, str(error))
            raise AirflowFailException(f"{job.store_hash} {job.field}: {error}") from None
        except BaseException as error:  # a timeout too: Airflow raises it inside the task
            message = f"{type(error).__name__}: {error}"
            last_try = context["ti"].try_number > self.retries
            (repository.fail if last_try else repository.note_error)(job_id, message)
            raise
        self.log.info("%s %s: %s", job.store_hash, job.field, changes)
        return {"job_id": job_id, "values": changes.processed}


class PublishValuesOperator(ValueJobsOperator):
    """Build the store's new values index version from its fields' latest values and swap it in.

    A field whose job failed keeps its last completed values; a store none of whose jobs
    completed in this run is skipped, and its live values stay as they were.

    :param store: the store, as :func:`value_store` gives it.
    """

    def __init__(self, *, store: dict[str, Any], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.store = store

    def execute(self, context: Context) -> dict[str, Any]:
        from bigcommerce_sync.hooks.search import SearchHook  # the client is loaded only to run

        repository = ValueJobRepository(self.batch_db_conn_id)
        store_hash = self.store["store_hash"]
        run = self.find_run(context, repository)
        jobs = repository.jobs(run.id, store_hash) if run else []
        if not any(job.status == "completed" for job in jobs):
            raise AirflowSkipException(f"no field of {store_hash} completed: its values stay as they were")
        latest = repository.latest_values(store_hash, [job.field for job in jobs])
        index, documents = publish_values(
            SearchHook(self.store["search_conn_id"]),
            store_hash=store_hash,
            value_run_id=run.id,
            values={SearchableField.from_key(field): values for field, values in latest.items()},
            keep_previous=self.store["keep_previous_indexes"],
        )
        self.log.info("Store %s: %d values of %d fields in %s", store_hash, documents, len(latest), index)
        return {"store_hash": store_hash, "index": index, "documents": documents}


class ValuesReportOperator(ValueJobsOperator):
    """Write the run's report: fail the jobs that never finished, store the report, log it, return it.

    :param stores: the hashes of every store of the run.
    :param publish_task_id: the mapped publish task.
    """

    def __init__(self, *, stores: list[str], publish_task_id: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.stores = stores
        self.publish_task_id = publish_task_id

    def execute(self, context: Context) -> dict[str, Any]:
        repository = ValueJobRepository(self.batch_db_conn_id)
        run = self.find_run(context, repository)
        if run is None:
            raise AirflowFailException("no value run was recorded: plan_jobs never ran (see its log)")
        repository.fail_unfinished(run.id, UNFINISHED)
        published = _each_mapped(context, self.publish_task_id, len(self.stores))
        report = build_report(
            run=run,
            finished_at=datetime.now(UTC),
            stores=self.stores,
            jobs=repository.jobs(run.id),
            published={p["store_hash"]: p["index"] for p in published if p},
        )
        repository.finish_run(run.id, finished_at=datetime.fromisoformat(report["end"]), report=report)
        repository.prune_values()
        for line in report_lines(report):
            self.log.info("%s", line)
        return report
