"""Helm-rendered manifests: what `helm template` prints but `helm install` does not create.

`helm template` renders every template of a chart, hooks included. An object annotated
`helm.sh/hook: test` (or Helm 2's `test-success` / `test-failure`; the annotation may list
several hooks, comma-separated) is a test hook: `helm install` leaves it out and only
`helm test` creates it, runs it and (with `helm.sh/hook-delete-policy`) deletes it again. Such a
pod is not part of the running network, so netpath skips it and lists it with the ignored
objects, saying why. Other hooks (`pre-install`, `post-upgrade`...) are created by
`helm install` and read like any object.
"""

from __future__ import annotations

from typing import Any

HOOK_ANNOTATION = "helm.sh/hook"
_TEST_HOOKS = frozenset({"test", "test-success", "test-failure"})  # the last two: Helm 2


def helm_test_hook(metadata: dict[Any, Any]) -> str | None:
    """Why an object is skipped, when its metadata marks it as a Helm test hook; else None."""
    annotations = metadata.get("annotations")
    value = annotations.get(HOOK_ANNOTATION) if isinstance(annotations, dict) else None
    if not isinstance(value, str):
        return None
    # Helm's manifest sorter lowercases each hook and gives the object every event listed: one
    # that is also an install or upgrade hook is created by `helm install` too.
    hooks = {hook.strip().lower() for hook in value.split(",")}
    if not hooks or not hooks <= _TEST_HOOKS:
        return None
    return (f"a Helm test hook ({HOOK_ANNOTATION}: {value}), skipped: `helm install` does not "
            "create it, `helm test` runs it")
