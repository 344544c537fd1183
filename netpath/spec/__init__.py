"""Reading specs: YAML with positions, the JSON Schema, the semantic pass, and the model builder."""
