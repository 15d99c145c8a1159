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
    """How a sync writes: ``full`` builds a new index version and swaps the alias."""

    FULL = "full"


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

_TYPE_JOBS = {
    SyncType.ALL: tuple(ImportJob),
    SyncType.PRODUCT: (ImportJob.PRODUCTS,),
    SyncType.CATEGORY: (ImportJob.CATEGORIES,),
    SyncType.BLOG: (ImportJob.BLOGS,),
    SyncType.STOP_WORDS: (),
    SyncType.SYNONYMS: (),
}


def import_jobs(sync_type: SyncType) -> tuple[ImportJob, ...]:
    """Return the import tasks that run for ``sync_type``."""
    return _TYPE_JOBS[sync_type]


def entities(sync_type: SyncType) -> tuple[Entity, ...]:
    """Return the entities whose indexes ``sync_type`` rebuilds."""
    return tuple(entity for job in import_jobs(sync_type) for entity in job.entities)


def imports_documents(sync_type: SyncType) -> bool:
    """Data syncs read the store into new, empty index versions."""
    return bool(entities(sync_type))


def rebuilds_live(sync_type: SyncType) -> bool:
    """Analysis-only syncs copy the live indexes into new versions rather than read the store.

    A ``synonyms`` sync rebuilds only on clusters that keep synonyms inline; the
    rebuild task finds that out from the search connection.
    """
    return sync_type in (SyncType.STOP_WORDS, SyncType.SYNONYMS)


def publishes(sync_type: SyncType) -> bool:
    """Whether a sync may build new index versions for ``publish`` to swap in."""
    return imports_documents(sync_type) or rebuilds_live(sync_type)


def applies_stop_words(sync_type: SyncType) -> bool:
    """Stop words live in the index analysis, so every data sync applies them too."""
    return sync_type is SyncType.STOP_WORDS or bool(import_jobs(sync_type))


def applies_synonyms(sync_type: SyncType) -> bool:
    """The synonym set must exist before a new index refers to it."""
    return sync_type is SyncType.SYNONYMS or bool(import_jobs(sync_type))


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


def required_tasks(sync_type: SyncType) -> set[str]:
    """Return the ids of the tasks that must succeed for a ``sync_type`` batch to be complete.

    The others skip themselves; a required task that was skipped (a run marked
    failed by hand skips what had not started) means the work was not done.
    """
    tasks = {CLAIM_TASK, *(import_task(job) for job in import_jobs(sync_type))}
    if applies_stop_words(sync_type):
        tasks.add(STOP_WORDS_TASK)
    if applies_synonyms(sync_type):
        tasks.add(SYNONYMS_TASK)
    if imports_documents(sync_type):
        tasks |= {CREATE_INDEX_TASK, PUBLISH_TASK}
    if sync_type is SyncType.STOP_WORDS:  # a synonyms sync rebuilds only in inline mode
        tasks |= {REBUILD_INDEX_TASK, PUBLISH_TASK}
    return {task.task_id for task in tasks}
