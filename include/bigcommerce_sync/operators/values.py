"""The searchable-values tasks: discover, plan, collect (jobs of one store and field), publish, report.

The mapped tasks take their stores or jobs in groups (:mod:`bigcommerce_sync.spread`), each item
on its own: one store's or job's failure never stops the others of its group.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
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
from bigcommerce_sync.spread import SomeItemsFailed, each_on_its_own, group_timeout, spread
from bigcommerce_sync.value_jobs import ValueChanges, ValueJobError, ValueJobRepository, ValueRun
from bigcommerce_sync.values_index import publish_values
from bigcommerce_sync.values_report import build_report, report_lines

if TYPE_CHECKING:
    from airflow.sdk import Context

    from bigcommerce_sync.stores import StoreConfig

MAX_VALUES_PARAM = "max_values_per_field"
# The XCom key under which a failed group keeps its stores' results (a failed task returns none).
PARTIAL_RESULTS_KEY = "partial_results"
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


def store_name(store: dict[str, Any]) -> str:
    return f"store {store['store_hash']}"


def job_name(job: dict[str, Any]) -> str:
    return f"{job['store_hash']} {job['field']}"


def find_run(context: Context, repository: ValueJobRepository) -> ValueRun | None:
    """The value run this DAG run recorded (``plan_jobs``), if any."""
    return repository.find_run(context["dag"].dag_id, context["run_id"])


def group_results(context: Context, task_id: str) -> dict[str, dict[str, Any]]:
    """Every group's per-store results of a task mapped over store groups, by store hash.

    Reads the groups that succeeded (their return value) and the partial results of those that
    failed; a list of task ids makes Airflow return every map index's XCom as a list, even one.
    """
    ti = context["ti"]
    groups = [
        *(ti.xcom_pull(task_ids=[task_id], key=PARTIAL_RESULTS_KEY) or []),
        *(ti.xcom_pull(task_ids=[task_id]) or []),  # last: a group's final result wins
    ]
    return {result["store_hash"]: result for group in groups if group for result in group}


class ValueJobsOperator(BaseOperator):
    """Base of the tasks that read or write the run's jobs in the batch store.

    :param batch_db_conn_id: the batch store's Postgres connection.
    """

    def __init__(self, *, batch_db_conn_id: str = BATCH_DB_CONN_ID, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.batch_db_conn_id = batch_db_conn_id


class StoreGroupOperator(BaseOperator):
    """Base of the values tasks mapped over groups of stores: each store on its own, a timeout per store.

    When some stores fail, the others' results are pushed under :data:`PARTIAL_RESULTS_KEY`
    before the task fails (a failed task pushes no return value): :func:`group_results` reads both.

    :param stores: the group, each store as :func:`value_store` gives it.
    :param item_timeout: each store's share of the task's ``execution_timeout``, which becomes
        this times the group's size (:func:`~bigcommerce_sync.spread.group_timeout`).
    """

    def __init__(
        self, *, stores: list[dict[str, Any]], item_timeout: timedelta | None = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.stores = stores
        self.item_timeout = item_timeout
        self.execution_timeout = group_timeout(item_timeout, stores, self.execution_timeout)

    def each_store(
        self, context: Context, work: Callable[[dict[str, Any]], dict[str, Any]]
    ) -> list[dict[str, Any]]:
        """Run ``work`` on every store of the group; when some fail, push the others' results first."""
        try:
            return each_on_its_own(self.stores, work, name=store_name, log=self.log)
        except SomeItemsFailed as error:
            context["ti"].xcom_push(key=PARTIAL_RESULTS_KEY, value=error.results)
            raise


class DiscoverFieldsOperator(StoreGroupOperator):
    """Find each store's searchable fields in its live product index, each store on its own.

    A store whose discovery fails gets no job; the others still get theirs (:class:`StoreGroupOperator`).
    """

    def execute(self, context: Context) -> list[dict[str, Any]]:
        return self.each_store(context, self.discover)

    def discover(self, store: dict[str, Any]) -> dict[str, Any]:
        from bigcommerce_sync.hooks.search import SearchHook  # the client is loaded only to run

        fields = discover_fields(
            SearchHook(store["search_conn_id"]), store["store_hash"], store["searchable_fields"]
        )
        self.log.info("Store %s: %d searchable fields: %s", store["store_hash"], len(fields), fields)
        return {"store_hash": store["store_hash"], "fields": [field.key for field in fields]}


class PlanValueJobsOperator(ValueJobsOperator):
    """Record the run and one Pending job per discovered store and field; return them in groups.

    Runs whatever discovery did: a store whose discovery failed gets no job, and the report says so.
    Returns :func:`~bigcommerce_sync.spread.spread` of the jobs (one job a group while they fit),
    what ``collect_values`` maps over.

    :param stores: every store of the run, as :func:`value_store` gives them.
    :param discover_task_id: the mapped discovery task.
    """

    def __init__(self, *, stores: list[dict[str, Any]], discover_task_id: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.stores = stores
        self.discover_task_id = discover_task_id

    def execute(self, context: Context) -> list[list[dict[str, Any]]]:
        repository = ValueJobRepository(self.batch_db_conn_id)
        repository.migrate()
        started = context["dag_run"].start_date or datetime.now(UTC)
        run = repository.start_run(dag_id=context["dag"].dag_id, run_id=context["run_id"], started_at=started)
        connections = {store["store_hash"]: store["search_conn_id"] for store in self.stores}
        max_values = int(context["params"][MAX_VALUES_PARAM])
        found_by_store = group_results(context, self.discover_task_id)
        discovered = [
            found_by_store[s["store_hash"]] for s in self.stores if s["store_hash"] in found_by_store
        ]
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
        groups = spread(jobs)
        self.log.info(
            "Value run %d: %d jobs for %d stores, in %d groups",
            run.id,
            len(jobs),
            len(discovered),
            len(groups),
        )
        return groups


class CollectValuesOperator(ValueJobsOperator):
    """A group of jobs: collect each store field's values from its live product index and record them.

    Every job of the group runs whatever the others do. An index missing or a field that cannot
    be aggregated fails its job at once (retrying cannot help); another error is noted on the
    job and Airflow retries the group, whose retry skips the jobs already completed or failed;
    on the last try the job fails with that error. The task fails when some job did, naming them.

    :param jobs: the group, as the plan task lists the jobs.
    :param item_timeout: each job's share of the task's ``execution_timeout``, which becomes this
        times the group's size (:func:`~bigcommerce_sync.spread.group_timeout`).
    """

    def __init__(
        self, *, jobs: list[dict[str, Any]], item_timeout: timedelta | None = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.jobs = jobs
        self.item_timeout = item_timeout
        self.execution_timeout = group_timeout(item_timeout, jobs, self.execution_timeout)

    def execute(self, context: Context) -> list[dict[str, Any]]:
        repository = ValueJobRepository(self.batch_db_conn_id)
        last_try = context["ti"].try_number > self.retries
        retried: list[str] = []

        def collect(job: dict[str, Any]) -> dict[str, Any]:
            return self.collect(repository, job, last_try=last_try, retried=retried)

        try:
            return each_on_its_own(self.jobs, collect, name=job_name, log=self.log)
        except SomeItemsFailed as error:
            if retried:  # Airflow retries the group; its other failed jobs are skipped then
                raise
            raise AirflowFailException(str(error)) from error

    def collect(
        self, repository: ValueJobRepository, job: dict[str, Any], *, last_try: bool, retried: list[str]
    ) -> dict[str, Any]:
        """Run one job; add its name to ``retried`` when Airflow should retry it.

        :raises ValueJobError: the job had already failed (an earlier try of the group).
        """
        from bigcommerce_sync.hooks.search import SearchHook  # the client is loaded only to run

        job_id = int(job["job_id"])
        try:
            started = repository.start(job_id)
        except ValueJobError:
            return self.already_ended(repository, job_id)
        field = SearchableField.from_key(started.field)
        try:
            hook = SearchHook(job["search_conn_id"])
            values = collect_values(hook, started.store_hash, field, int(job["max_values"]))
            changes = ValueChanges.between(repository.previous_counts(started), values)
            repository.complete(job_id, values, changes)
        except FieldValuesError as error:
            repository.fail(job_id, str(error))
            raise
        except BaseException as error:  # a timeout too: Airflow raises it inside the task
            message = f"{type(error).__name__}: {error}"
            if last_try:
                repository.fail(job_id, message)
            else:
                repository.note_error(job_id, message)
                retried.append(job_name(job))
            raise
        self.log.info("%s: %s", job_name(job), changes)
        return {"job_id": job_id, "values": changes.processed}

    def already_ended(self, repository: ValueJobRepository, job_id: int) -> dict[str, Any]:
        """A job an earlier try of the group completed is skipped; one that failed stays failed."""
        job = repository.get(job_id)
        if job is None or job.status != "completed":
            state = f"{job.status}: {job.error}" if job else "missing"
            raise ValueJobError(f"value job {job_id} is {state}; it is not run again")
        self.log.info("%s %s completed on an earlier try; skipped", job.store_hash, job.field)
        return {"job_id": job_id, "values": job.values_processed}


class PublishValuesOperator(StoreGroupOperator):
    """Build each store's new values index version from its fields' latest values and swap it in.

    A field whose job failed keeps its last completed values; a store none of whose jobs
    completed in this run is skipped (its result says why, its ``index`` is ``None``) and its live
    values stay as they were. The task is skipped when every store of its group was; a store's
    failure never stops the others (:class:`StoreGroupOperator`).

    :param batch_db_conn_id: the batch store's Postgres connection.
    """

    def __init__(self, *, batch_db_conn_id: str = BATCH_DB_CONN_ID, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.batch_db_conn_id = batch_db_conn_id

    def execute(self, context: Context) -> list[dict[str, Any]]:
        repository = ValueJobRepository(self.batch_db_conn_id)
        run = find_run(context, repository)
        results = self.each_store(context, lambda store: self.publish(repository, run, store))
        if not any(result["index"] for result in results):
            raise AirflowSkipException(f"no store published: {'; '.join(r['skipped'] for r in results)}")
        return results

    def publish(
        self, repository: ValueJobRepository, run: ValueRun | None, store: dict[str, Any]
    ) -> dict[str, Any]:
        from bigcommerce_sync.hooks.search import SearchHook  # the client is loaded only to run

        store_hash = store["store_hash"]
        jobs = repository.jobs(run.id, store_hash) if run else []
        if not any(job.status == "completed" for job in jobs):
            reason = f"no field of {store_hash} completed: its values stay as they were"
            self.log.info("Store %s skipped: %s", store_hash, reason)
            return {"store_hash": store_hash, "index": None, "documents": 0, "skipped": reason}
        latest = repository.latest_values(store_hash, [job.field for job in jobs])
        index, documents = publish_values(
            SearchHook(store["search_conn_id"]),
            store_hash=store_hash,
            value_run_id=run.id,
            values={SearchableField.from_key(field): values for field, values in latest.items()},
            keep_previous=store["keep_previous_indexes"],
        )
        self.log.info("Store %s: %d values of %d fields in %s", store_hash, documents, len(latest), index)
        return {"store_hash": store_hash, "index": index, "documents": documents}


class ValuesReportOperator(ValueJobsOperator):
    """Write the run's report: fail the jobs that never finished, store the report, log it, return it.

    :param stores: the hashes of every store of the run.
    :param publish_task_id: the publish task, mapped over store groups.
    """

    def __init__(self, *, stores: list[str], publish_task_id: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.stores = stores
        self.publish_task_id = publish_task_id

    def execute(self, context: Context) -> dict[str, Any]:
        repository = ValueJobRepository(self.batch_db_conn_id)
        run = find_run(context, repository)
        if run is None:
            raise AirflowFailException("no value run was recorded: plan_jobs never ran (see its log)")
        repository.fail_unfinished(run.id, UNFINISHED)
        published = group_results(context, self.publish_task_id).values()
        report = build_report(
            run=run,
            finished_at=datetime.now(UTC),
            stores=self.stores,
            jobs=repository.jobs(run.id),
            published={p["store_hash"]: p["index"] for p in published if p["index"]},
        )
        repository.finish_run(run.id, finished_at=datetime.fromisoformat(report["end"]), report=report)
        repository.prune_values()
        for line in report_lines(report):
            self.log.info("%s", line)
        return report
