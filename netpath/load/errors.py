"""Located spec errors.

A SpecError names the place in the document (a spec path) and, once the source map has been
consulted, the file, line and column. Errors are values collected into a list, never raised one
by one: the user sees all of them at once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from netpath.model.paths import SpecPath, format_path
from netpath.model.record import record


@record
class SpecError:
    message: str
    path: SpecPath = ()
    file: str | None = None
    line: int | None = None  # 1-based
    column: int | None = None  # 1-based
    hint: str | None = None

    def located(self, file: str | None, line: int | None, column: int | None) -> SpecError:
        return replace(self, file=file, line=line, column=column)

    def __str__(self) -> str:
        where = ""
        if self.file:
            where = self.file
            if self.line is not None:
                where += f":{self.line}"
                if self.column is not None:
                    where += f":{self.column}"
            where += ": "
        inside = f"{format_path(self.path)}: " if self.path else ""
        hint = f" ({self.hint})" if self.hint else ""
        return f"{where}{inside}{self.message}{hint}"


class SpecErrors(Exception):
    """Raised at the edge of loading, carrying every error found."""

    def __init__(self, errors: Iterable[SpecError]) -> None:
        self.errors = list(errors)
        super().__init__("\n".join(str(e) for e in self.errors))

