"""An object written twice: what `kubectl apply` of those files leaves is the last one.

`kubectl apply -f DIR` applies the files in name order and each document in turn, so the last
definition of a kind, namespace and name is the one the cluster holds. Two identical
definitions (a dump saved twice, a file listed under two globs) are one object; different ones
are the last, with a warning naming both places, because the earlier is probably not what its
author meant to be running.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from netpath.model.paths import SpecPath, format_path
from netpath.sources.building import Ctx
from netpath.sources.kubernetes.helm import helm_test_hook
from netpath.sources.kubernetes.manifests import ManifestDoc

# kind -> (API groups it is read from, namespaced, parser); only the first two are read here.
Parsers = Mapping[str, tuple[tuple[str, ...], bool, Any]]


def identity(data: Any, parsers: Parsers, default_namespace: str = "default"
             ) -> tuple[str, str, str] | None:
    """(kind, namespace, name) of an object netpath reads, or None for anything else (another
    kind, a Helm test hook, or one so broken that its parser reports it)."""
    if not isinstance(data, dict):
        return None
    kind, version, meta = data.get("kind"), data.get("apiVersion"), data.get("metadata")
    if not isinstance(kind, str) or not isinstance(version, str) or not isinstance(meta, dict):
        return None
    known = parsers.get(kind)
    group = version.rpartition("/")[0] if "/" in version else ""
    name = meta.get("name")
    if known is None or group not in known[0] or not isinstance(name, str) or (
            helm_test_hook(meta) is not None):
        return None
    namespace = meta.get("namespace") if known[1] else ""
    return kind, namespace if isinstance(namespace, str) and namespace else (
        default_namespace if known[1] else ""), name


def last_definitions(ctx: Ctx, found: list[tuple[Any, ManifestDoc, SpecPath]],
                     parsers: Parsers, default_namespace: str = "default") -> set[int]:
    """The indexes of `found` (data, document, path inside it) to read: every object but those
    defined again later. Warns, naming both places, when a later definition differs."""
    seen: dict[tuple[str, str, str], list[int]] = {}
    for index, (data, _, _) in enumerate(found):
        key = identity(data, parsers, default_namespace)
        if key is not None:
            seen.setdefault(key, []).append(index)
    keep = set(range(len(found)))
    for (kind, namespace, name), indexes in seen.items():
        if len(indexes) < 2:
            continue
        keep.difference_update(indexes[:-1])
        final = found[indexes[-1]][0]
        differing = [i for i in indexes[:-1] if found[i][0] != final]
        if differing:
            shown = f"{namespace}/{name}" if namespace else name
            earlier = ", ".join(_place(found[i][1], found[i][2]) for i in differing)
            ctx.notes.append(f"warning: {kind} {shown} is defined twice, differently: "
                             f"{earlier} and {_place(found[indexes[-1]][1], found[indexes[-1]][2])}"
                             "; netpath reads the last, as `kubectl apply` of these files "
                             "leaves it")
    return keep


def _place(doc: ManifestDoc, inner: SpecPath) -> str:
    found = doc.position(inner)
    return str(found) if found is not None else format_path((*doc.path, *inner))
