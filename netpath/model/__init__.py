"""The immutable network model (`record` classes) and its vocabulary: the sources build it, the
engine reads it."""
