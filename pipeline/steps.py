"""The step runner: every stage after intake is a step.

A step is registered by the app that owns it (in its AppConfig.ready), so emails/ knows
nothing of the workflows. A step has two halves:
- `due()` lists the ids of the objects whose step should run now (read from the database,
  so nothing depends on a queue having survived);
- `run(id)` does the work for one object, and must be idempotent: it checks the current
  state and does nothing when the step is no longer due.
Services queue a step with `step_enqueue` (a django-q2 task, sent on commit) for low
latency; `run_pending` (the `process_pending` command) runs every due step in-process for
operators without a worker, and the sweeper can rely on `due()` too.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db import transaction
from django_q.tasks import async_task

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Step:
    name: str
    due: Callable[[], Iterable[int]]
    run: Callable[[int], object]
    # Queue this step for every newly stored email (by email id).
    after_intake: bool = False
    # Queue it (by email id) when an email is routed to a workflow (kind set, received).
    after_routing: bool = False
    # Queue it (for all its due objects) after the outbox delivered messages.
    after_delivery: bool = False
    # Optional: do many objects at once (e.g. one model call for a batch of emails).
    run_batch: Callable[[list[int]], object] | None = None


_registry: dict[str, Step] = {}
# Called with the emails just stored, inside the intake transaction (e.g. the outbox links
# replies to its messages). Registered by other apps in AppConfig.ready.
_intake_hooks: list[Callable[[list], None]] = []


def register_intake_hook(hook: Callable[[list], None]) -> None:
    if hook not in _intake_hooks:
        _intake_hooks.append(hook)


def run_intake_hooks(emails: list) -> None:
    for hook in _intake_hooks:
        hook(emails)


# Called when a person (admin, API user) sets an email's kind: the categorizer learns from
# it and routes the email. Registered in AppConfig.ready.
_kind_hooks: list[Callable[..., None]] = []


def register_kind_hook(hook: Callable[..., None]) -> None:
    if hook not in _kind_hooks:
        _kind_hooks.append(hook)


def run_kind_hooks(email, actor, previous: str | None) -> None:
    for hook in _kind_hooks:
        hook(email=email, actor=actor, previous=previous)


def register_step(step: Step) -> None:
    _registry[step.name] = step


def unregister_step(name: str) -> None:
    _registry.pop(name, None)


def registered_steps() -> list[Step]:
    return list(_registry.values())


def step_get(name: str) -> Step:
    try:
        return _registry[name]
    except KeyError:
        raise LookupError(f"no step named {name!r}") from None


def step_enqueue(name: str, ids: Iterable[int]) -> None:
    """Queue one task for a batch of ids, once the current transaction commits."""
    id_list = list(ids)
    if not id_list:
        return
    step_get(name)  # fail now, not in the worker, on a typo

    def send() -> None:
        async_task("pipeline.tasks.run_step", name, id_list, task_name=f"{name}:{id_list[0]}")

    transaction.on_commit(send)


# Emails per intake task: a big collection becomes several tasks, so the workers share
# it and the oldest emails go on to their workflows before the whole batch is classified.
INTAKE_CHUNK = 25


def enqueue_after_intake(email_ids: list[int]) -> None:
    for step in _registry.values():
        if step.after_intake:
            for start in range(0, len(email_ids), INTAKE_CHUNK):
                step_enqueue(step.name, email_ids[start : start + INTAKE_CHUNK])


def enqueue_after_routing(email_ids: list[int]) -> None:
    """One task runs every routing step for these emails (each step skips what is not
    its business)."""
    names = [step.name for step in _registry.values() if step.after_routing]
    id_list = list(email_ids)
    if not names or not id_list:
        return

    def send() -> None:
        async_task("pipeline.tasks.run_steps", names, id_list, task_name=f"routed:{id_list[0]}")

    transaction.on_commit(send)


def enqueue_due(names: Iterable[str]) -> None:
    """Queue one task that runs the named steps for whatever is due when it runs."""
    names = sorted(names)
    if not names:
        return

    def send() -> None:
        async_task("pipeline.tasks.run_due_steps", names, task_name=f"due:{','.join(names)}")

    transaction.on_commit(send)


def enqueue_after_delivery() -> None:
    enqueue_due(step.name for step in _registry.values() if step.after_delivery)


def run_due(name: str) -> int:
    """Run one step for every object it has due now."""
    step = step_get(name)
    ids = list(step.due())
    if not ids:
        return 0
    if step.run_batch is not None:
        step.run_batch(ids)
        return len(ids)
    for obj_id in ids:
        try:
            step.run(obj_id)
        except Exception:
            logger.exception("step %s failed for id %s", name, obj_id)
    return len(ids)


def sweep(batch: int = 50) -> dict[str, int]:
    """Re-queue every step's due work as tasks (in batches, spread over the workers): work
    a killed worker dropped, or whose task was never queued, is picked up again. Each
    step's run is idempotent, so work that is merely late is not done twice."""
    queued: dict[str, int] = {}
    for step in list(_registry.values()):
        ids = list(step.due())
        for start in range(0, len(ids), batch):
            step_enqueue(step.name, ids[start : start + batch])
        if ids:
            queued[step.name] = len(ids)
    return queued


def run_step(name: str, ids: Iterable[int]) -> int:
    step = step_get(name)
    if step.run_batch is not None:
        id_list = list(ids)
        step.run_batch(id_list)
        return len(id_list)
    done = 0
    for obj_id in ids:
        try:
            step.run(obj_id)
        except Exception:
            # One broken object must not stop the others (nor the other steps of the same
            # task); the sweeper tries it again later.
            logger.exception("step %s failed for id %s", name, obj_id)
        done += 1
    return done


def run_pending(*, max_rounds: int = 100, on_progress: Callable[[str, int], None] | None = None):
    """Run every due step until none is due. Returns {step name: objects processed}.

    Each (step, object) runs at most once per call, so a step that keeps failing, or
    that leaves its object due, cannot loop forever.
    """
    totals: dict[str, int] = {}
    attempted: set[tuple[str, int]] = set()
    for _round in range(max_rounds):
        did_something = False
        for step in list(_registry.values()):
            if step.run_batch is not None:
                batch = [i for i in step.due() if (step.name, i) not in attempted]
                if batch:
                    attempted.update((step.name, i) for i in batch)
                    try:
                        step.run_batch(batch)
                    except Exception:
                        logger.exception("step %s failed for a batch of %d", step.name, len(batch))
                    totals[step.name] = totals.get(step.name, 0) + len(batch)
                    did_something = True
                continue
            for obj_id in list(step.due()):
                if (step.name, obj_id) in attempted:
                    continue
                attempted.add((step.name, obj_id))
                try:
                    step.run(obj_id)
                except Exception:
                    # One broken object must not stop the others; the step's own service
                    # records the failure on the object.
                    logger.exception("step %s failed for id %s", step.name, obj_id)
                totals[step.name] = totals.get(step.name, 0) + 1
                did_something = True
                if on_progress:
                    on_progress(step.name, obj_id)
        if not did_something:
            break
    return totals
