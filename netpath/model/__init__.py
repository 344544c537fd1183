"""The immutable network model (frozen dataclasses); built by netpath.spec, read by the engine."""
