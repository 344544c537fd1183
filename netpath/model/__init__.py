"""The immutable network model (frozen dataclasses): the sources build it, the engine reads it."""
