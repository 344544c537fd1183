"""`netpath check`: expectations about reachability, and lint rules over the spec."""
