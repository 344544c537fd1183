"""Regenerates the generated sections of README.md (between `<!-- NAME:start -->` and
`<!-- NAME:end -->` markers) from the registries, so the manual never drifts from the code.

    python tools/readme.py          # rewrite README.md
    python tools/readme.py --check  # exit 1 if README.md is stale (the test suite does this)
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"


def codes_table() -> str:
    """One row per explanation code (`netpath.model.vocabulary.Code`), in the registry's order:
    the registry describes every code exactly once (checked when it is imported)."""
    from netpath.engine.codes import CODES

    lines = ["| code | AWS Reachability Analyzer | meaning |", "|---|---|---|"]
    for code, explanation in CODES.items():
        aws = f"`{explanation.aws_code}`" if explanation.aws_code else "-"
        lines.append(f"| `{code.value}` | {aws} | **{explanation.title}.** "
                     f"{explanation.description} |")
    return "\n".join(lines)


def rules_table() -> str:
    from netpath.checks.lint import RULES

    lines = ["| id | name | severity | what it finds | fix |", "|---|---|---|---|---|"]
    for rule in RULES:
        lines.append(f"| `{rule.id}` | `{rule.name}` | {rule.severity} | {rule.summary} "
                     f"([source]({rule.source})) | {rule.fix} |")
    return "\n".join(lines)


SECTIONS = {"codes": codes_table, "rules": rules_table}


def render(text: str) -> str:
    for name, make in SECTIONS.items():
        pattern = re.compile(rf"(<!-- {name}:start -->\n).*?(<!-- {name}:end -->)", re.S)
        text = pattern.sub(lambda m, make=make: m.group(1) + make() + "\n" + m.group(2), text)
    return text


def main(argv: list[str]) -> int:
    current = README.read_text(encoding="utf-8")
    fresh = render(current)
    if "--check" in argv:
        if fresh != current:
            print("README.md is stale: run `python tools/readme.py`", file=sys.stderr)
            return 1
        return 0
    README.write_text(fresh, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
