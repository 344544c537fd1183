"""JSON text (`kubectl get -o json`, a `.json` manifest) to data, with positions where it can.

JSON is read by the JSON rules, and placed by the YAML loader: a JSON document is a YAML 1.2
flow document, so `load_yaml_documents` gives every key and value its line and column. Where
the two readings differ (YAML 1.1 reads `1e5` as text, a key written twice is an error to the
YAML loader and the last one to JSON), the JSON reading wins, and positions fall back to the
start of the file. A text that is not JSON is reported at the line and column the JSON parser
names.
"""

from __future__ import annotations

from netpath.load.errors import SpecError
from netpath.load.source import RawPosition, SourceMap, located, position
from netpath.load.yaml_positions import Document, load_yaml_documents


def looks_like_json(text: str) -> bool:
    """The text starts as a JSON object or array does (after white space and a BOM)."""
    return text.lstrip("\ufeff \t\r\n")[:1] in ("{", "[")


def load_json_document(text: str, file: str) -> tuple[list[Document], list[SpecError]]:
    """The one document of a JSON text (none when it is empty), and its error if it is not JSON."""
    import json  # here: most specs and manifests are YAML, and json costs every start its import

    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        err = SpecError(f"invalid JSON: {exc.msg}", hint="a .json file must hold one JSON value")
        return [], [located(err, position(file, exc.lineno - 1, exc.colno - 1))]
    except RecursionError:
        return [], [SpecError("refused: the JSON document is nested too deeply", file=file)]
    documents, errors = load_yaml_documents(text, file)
    if not errors and len(documents) == 1 and documents[0].data == data:
        return documents, []
    start = position(file, 0, 0)
    return [Document(data, SourceMap(file, {(): RawPosition(0, 0)}), 0, start)], []
