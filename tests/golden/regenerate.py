"""`make golden`: rewrite every golden file, then review `git diff tests/golden`."""

from __future__ import annotations

from tests.golden.flows import FLOWS, FORMATS, OUT, golden_path, render


def main() -> None:
    OUT.mkdir(exist_ok=True)
    for name in FLOWS:
        for fmt in FORMATS:
            text, code = render(name, fmt)
            golden_path(name, fmt).write_text(f"# exit {code}\n{text}", encoding="utf-8")
            print(f"wrote {golden_path(name, fmt)}")


if __name__ == "__main__":
    main()
