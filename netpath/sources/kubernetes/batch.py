"""Jobs and CronJobs (batch/v1): the pods of one run.

A Job runs `spec.parallelism` pods at once (default 1; no more than `spec.completions` when that
is set; none while `spec.suspend` is true) until enough of them succeed; a CronJob creates a Job
on its schedule. Their pods hold addresses only while they run, so netpath models one run as if
it were active now: a Job's pods and one run of a CronJob's `jobTemplate`, each named
`<name>-<i>` like any workload's, and says so in the notes (`netpath show`). A finished Job's
pods hold no IP: netpath cannot tell from a manifest whether a run is over.

The Job controller labels its pods `job-name` and `batch.kubernetes.io/job-name` with the Job's
name (the controller-uid labels too, whose value only the API server knows); NetworkPolicies
may select them by those. A CronJob's Job is named after its schedule time, so its pods carry
the template's labels only.

What the API server refuses (`pkg/apis/batch/validation`): a pod template whose `restartPolicy`
is not OnFailure or Never (a pod's default, Always, included); a Job `selector` written without
`manualSelector: true` that does not select the generated labels ("`selector` not
auto-generated"; `generateSelector` in `pkg/registry/batch/job/strategy.go` first adds the
controller-uid label to it, so `selector: {}` becomes the generated selector and is accepted);
a template label `job-name` other than the Job's name; with `manualSelector: true`, no
selector, or one that does not match the template (`{}` matches every pod: accepted, with a
note); in a CronJob's `jobTemplate` any `selector` ("`selector` will be auto-generated") or
`manualSelector: true`; a negative parallelism or completions; `completionMode: Indexed`
without completions; a CronJob without `schedule`.
"""

from __future__ import annotations

from netpath.sources.kubernetes.drafts import Meta
from netpath.sources.kubernetes.fields import Reader, selector
from netpath.sources.kubernetes.validation import is_label_value

JOB_NAME_LABELS = ("job-name", "batch.kubernetes.io/job-name")
_UID_LABELS = ("controller-uid", "batch.kubernetes.io/controller-uid")
_RESTART_POLICIES = ("OnFailure", "Never")
_UNKNOWN_UID = "\0uid"  # the controller-uid the API server gives: never a value one can write


def job_run(r: Reader, meta: Meta) -> tuple[Reader, int, dict[str, str], bool] | None:
    """The pod spec, the number of pods and their labels of one run of a Job or a CronJob, and
    whether its template is written (`objects.pod_template` reads the pod spec, and checks it as
    `ValidatePodTemplateSpec` does where it is); None after an error."""
    spec = r.sub("spec")
    if meta.kind == "CronJob":
        spec.string("schedule", required=True)
        job = spec.sub("jobTemplate", required=True).sub("spec")
        if job.has("selector"):
            job.error("selector", "`selector` will be auto-generated: the CronJob's Jobs select "
                      "their pods by the controller-uid label", "leave out the selector")
        if job.boolean("manualSelector") is True:
            job.error("manualSelector", 'unsupported manualSelector true: supported values: '
                      '"nil", "false"')
    else:
        job = spec
    template = job.sub("template", required=True)
    labels = template.sub("metadata").labels("labels")
    pod_spec = template.sub("spec")
    _restart_policy(pod_spec, template.has("spec"))
    if meta.kind == "Job":
        uid = r.sub("metadata").data.get("uid")  # a Job read back from the API server has one
        labels = _job_labels(job, meta, template, labels, uid if isinstance(uid, str) else None)
    count = _pods_per_run(job)
    suspended = spec.boolean("suspend") is True or (
        job is not spec and job.boolean("suspend") is True)
    _note(r, meta, 0 if suspended else count, suspended)
    written = isinstance(job.data.get("template"), dict)  # else reported: missing, or a type
    return pod_spec, 0 if suspended else count, labels, written


def _restart_policy(pod_spec: Reader, written: bool) -> None:
    policy = pod_spec.string("restartPolicy")
    if policy in _RESTART_POLICIES:
        return
    if policy is None and not pod_spec.has("restartPolicy"):
        # Reported at the pod spec (the template when it has none): there is no field to show.
        pod_spec.ctx.error(pod_spec.path if written else pod_spec.path[:-1],
                           'unsupported restartPolicy "Always" (the default): supported values: '
                           '"OnFailure", "Never"', "a Job's pods must not restart forever: "
                           "write restartPolicy: OnFailure or Never")
    elif policy is not None:
        pod_spec.error("restartPolicy", f'unsupported restartPolicy "{policy}": supported '
                       'values: "OnFailure", "Never"')


def _job_labels(job: Reader, meta: Meta, template: Reader, labels: dict[str, str],
                uid: str | None) -> dict[str, str]:
    """The template's labels with the ones the Job controller adds (unless the selector is
    manual), after the API server's checks of the selector against them. `uid`: the Job's
    `metadata.uid` when it was read back from the API server (`kubectl get -o yaml`), whose
    generated selector names it."""
    manual = job.boolean("manualSelector") is True
    written = selector(job, "selector")
    if manual:
        if written is None:
            job.error("selector", "Required value: with manualSelector: true the API server "
                      "generates no selector", "write selector.matchLabels with the template's "
                      "labels, or leave out manualSelector")
        elif written.is_empty:
            # `ValidateJobSpec` asks for a selector, not a non-empty one: `{}` selects everything
            # (`LabelSelectorAsSelector`), the template's labels included.
            if isinstance(job.data.get("selector"), dict):  # else a wrong type, reported
                where = meta.where((*job.path[len(meta.path):], "selector"))
                job.ctx.notes.append(f"{where}: Job {meta.key}: manualSelector: true with an "
                                     "empty selector selects every pod of its namespace")
        elif not written.matches(labels):
            job.error("selector", f"`selector` does not match template `labels` (selector "
                      f"{written}); Kubernetes refuses such a Job")
        return labels
    for reason in is_label_value(meta.name):
        job.ctx.error((*meta.path, "metadata", "name"), f"invalid Job name {meta.name!r}: its "
                      f"pods get the label job-name={meta.name}, and a label value {reason}")
    for key in JOB_NAME_LABELS:
        value = labels.get(key)
        if value is not None and value != meta.name:
            template.ctx.error(template.at("metadata", "labels", key),
                               f"invalid label {key}={value}: must be {meta.name!r} (the Job's "
                               "name, which the Job controller sets)")
    generated = {**dict.fromkeys(_UID_LABELS, uid or _UNKNOWN_UID), **dict.fromkeys(
        JOB_NAME_LABELS, meta.name)}
    if written is not None and not written.matches(generated):
        job.error("selector", "`selector` not auto-generated: the Job controller selects its "
                  "pods by the controller-uid label it sets", "leave out spec.selector, or set "
                  "spec.manualSelector: true")
    return {**labels, **dict.fromkeys(JOB_NAME_LABELS, meta.name)}


def _pods_per_run(job: Reader) -> int:
    what = "a count, 0 or more"
    parallelism = job.integer("parallelism", low=0, what=what)
    completions = job.integer("completions", low=0, what=what)
    mode = job.word("completionMode", ("NonIndexed", "Indexed"), "NonIndexed")
    if mode == "Indexed" and completions is None and not job.has("completions"):
        job.error(None, "missing required field 'completions'", "completionMode Indexed needs "
                  "the number of completions")
    count = 1 if parallelism is None else parallelism
    return count if completions is None else min(count, completions)


def _note(r: Reader, meta: Meta, count: int, suspended: bool) -> None:
    pods = f"{count} pod{'' if count == 1 else 's'}"
    if suspended:
        text = f"{meta.kind} {meta.key} is suspended: it runs no pods"
    elif meta.kind == "CronJob":
        text = (f"CronJob {meta.key}: netpath models one run ({pods}, named {meta.name}-<i>) "
                "as if it were active now; between runs it has no pods")
    else:
        text = (f"Job {meta.key}: netpath models the {pods} it runs at once as running now; "
                "a completed Job's pods hold no IP")
    r.ctx.notes.append(text)
