"""What a sync can do: its types, modes, and the entities each type touches."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class SyncType(StrEnum):
    """What a sync brings into search, as chosen in the trigger form."""

    ALL = "all"
    PRODUCT = "product"
    CATEGORY = "category"
    BLOG = "blog"
    STOP_WORDS = "stop_words"
    SYNONYMS = "synonyms"


class SyncMode(StrEnum):
    """How a sync writes.

    ``full`` builds new index versions and swaps the aliases. The others write into the
    live indexes: ``incremental`` what changed since the last sync (and deletes what the
    store no longer has), ``targeted`` the products it is given.
    """

    FULL = "full"
    INCREMENTAL = "incremental"
    TARGETED = "targeted"


class Entity(StrEnum):
    """A kind of search document; each has its own alias and index per store."""

    PRODUCTS = "products"
    CATEGORIES = "categories"
    PAGES = "pages"
    BLOG_POSTS = "blog_posts"


class ImportJob(StrEnum):
    """One parallel import task and the entities it loads."""

    PRODUCTS = "products"
    CATEGORIES = "categories"
    BLOGS = "blogs"

    @property
    def entities(self) -> tuple[Entity, ...]:
        return _JOB_ENTITIES[self]


_JOB_ENTITIES = {
    ImportJob.PRODUCTS: (Entity.PRODUCTS,),
    ImportJob.CATEGORIES: (Entity.CATEGORIES, Entity.PAGES),
    ImportJob.BLOGS: (Entity.BLOG_POSTS,),
}

# The sync types each mode accepts: analysis changes need new index versions, and a targeted
# sync brings named products up to date.
MODE_SYNC_TYPES = {
    SyncMode.FULL: tuple(SyncType),
    SyncMode.INCREMENTAL: (SyncType.ALL, SyncType.PRODUCT, SyncType.CATEGORY, SyncType.BLOG),
    SyncMode.TARGETED: (SyncType.PRODUCT,),
}

_TYPE_JOBS = {
    SyncType.ALL: tuple(ImportJob),
    SyncType.PRODUCT: (ImportJob.PRODUCTS,),
    SyncType.CATEGORY: (ImportJob.CATEGORIES,),
    SyncType.BLOG: (ImportJob.BLOGS,),
    SyncType.STOP_WORDS: (),
    SyncType.SYNONYMS: (),
}


def import_jobs(sync_type: SyncType, mode: SyncMode = SyncMode.FULL) -> tuple[ImportJob, ...]:
    """Return the import tasks that run for a ``sync_type`` sync in ``mode``."""
    return _TYPE_JOBS[sync_type] if sync_type in MODE_SYNC_TYPES[mode] else ()


def entities(sync_type: SyncType, mode: SyncMode = SyncMode.FULL) -> tuple[Entity, ...]:
    """Return the entities a ``sync_type`` sync in ``mode`` writes."""
    return tuple(entity for job in import_jobs(sync_type, mode) for entity in job.entities)


def imports_documents(sync_type: SyncType, mode: SyncMode = SyncMode.FULL) -> bool:
    """Full data syncs read the store into new, empty index versions."""
    return mode is SyncMode.FULL and bool(entities(sync_type))


def rebuilds_live(sync_type: SyncType, mode: SyncMode = SyncMode.FULL) -> bool:
    """Analysis-only syncs copy the live indexes into new versions rather than read the store.

    A ``synonyms`` sync rebuilds only on clusters that keep synonyms inline; the
    rebuild task finds that out from the search connection.
    """
    return mode is SyncMode.FULL and sync_type in (SyncType.STOP_WORDS, SyncType.SYNONYMS)


def publishes(sync_type: SyncType, mode: SyncMode = SyncMode.FULL) -> bool:
    """Whether a sync may build new index versions for ``publish`` to swap in."""
    return imports_documents(sync_type, mode) or rebuilds_live(sync_type, mode)


def applies_stop_words(sync_type: SyncType, mode: SyncMode = SyncMode.FULL) -> bool:
    """Stop words live in the index analysis, so every full data sync applies them too.

    A targeted sync writes into the live index, whose analysis it leaves as it is.
    """
    return mode is SyncMode.FULL and (sync_type is SyncType.STOP_WORDS or bool(import_jobs(sync_type)))


def applies_synonyms(sync_type: SyncType, mode: SyncMode = SyncMode.FULL) -> bool:
    """The synonym set must exist before a new index refers to it (a targeted sync builds none)."""
    return mode is SyncMode.FULL and (sync_type is SyncType.SYNONYMS or bool(import_jobs(sync_type)))


@dataclass(frozen=True)
class TaskRef:
    """A task of a store's sync DAG: the name it is built with, and the group that prefixes its id."""

    name: str
    group: str | None = None

    @property
    def task_id(self) -> str:
        return f"{self.group}.{self.name}" if self.group else self.name


# The tasks of a store's sync DAG: dag_factory builds them from these, the other tasks find them here.
CONFIG_GROUP = "config"
INDEX_GROUP = "index"
IMPORT_GROUP = "import"
CLAIM_TASK = TaskRef("claim_batch")
STOP_WORDS_TASK = TaskRef("stop_words", CONFIG_GROUP)
SYNONYMS_TASK = TaskRef("synonyms", CONFIG_GROUP)
CREATE_INDEX_TASK = TaskRef("create_index", INDEX_GROUP)
REBUILD_INDEX_TASK = TaskRef("rebuild_index", INDEX_GROUP)
PUBLISH_TASK = TaskRef("publish")
FINALIZE_TASK = TaskRef("finalize")


def import_task(job: ImportJob) -> TaskRef:
    return TaskRef(job.value, IMPORT_GROUP)


def required_tasks(sync_type: SyncType, mode: SyncMode = SyncMode.FULL) -> set[str]:
    """Return the ids of the tasks that must succeed for a ``sync_type`` batch in ``mode`` to be complete.

    The others skip themselves; a required task that was skipped (a run marked
    failed by hand skips what had not started) means the work was not done.
    """
    tasks = {CLAIM_TASK, *(import_task(job) for job in import_jobs(sync_type, mode))}
    if applies_stop_words(sync_type, mode):
        tasks.add(STOP_WORDS_TASK)
    if applies_synonyms(sync_type, mode):
        tasks.add(SYNONYMS_TASK)
    if imports_documents(sync_type, mode):
        tasks |= {CREATE_INDEX_TASK, PUBLISH_TASK}
    # A synonyms sync rebuilds only in inline mode.
    if rebuilds_live(sync_type, mode) and sync_type is SyncType.STOP_WORDS:
        tasks |= {REBUILD_INDEX_TASK, PUBLISH_TASK}
    return {task.task_id for task in tasks}
