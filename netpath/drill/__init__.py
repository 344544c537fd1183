"""`netpath drill`: interview practice, with questions the engine answers."""
