"""The netpath spec (YAML, `netpath: 1`) to a `Model`: the builder of the AWS part (`builder`
calls `sources.kubernetes` for the clusters) and the semantic pass over the whole model."""
