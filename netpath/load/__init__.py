"""Reading input files: bytes and sizes, YAML with positions, the JSON Schema, the source map
that turns spec paths into file:line:column, and the located errors every stage reports."""
