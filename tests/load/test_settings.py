"""Environment settings are validated (issue 11): a value past what netpath can use is an error
that says the limit, never an OverflowError (exit 70) deep in a read."""

from __future__ import annotations

import pytest

from netpath.load.errors import SpecErrors
from netpath.load.files import max_spec_bytes
from tests.cli.helpers import run_cli


@pytest.mark.parametrize("value", ["9223372036854775807", "5G", "99999999999999999999K"])
def test_a_size_limit_past_what_netpath_can_read_is_an_error(value: str) -> None:
    with pytest.raises(SpecErrors) as raised:
        max_spec_bytes({"NETPATH_MAX_SPEC_BYTES": value})
    assert "is more than netpath can read" in str(raised.value.errors[0])
    assert max_spec_bytes({"NETPATH_MAX_SPEC_BYTES": "4G"}) == 4 * 1024**3


def test_the_cli_says_so_with_exit_2() -> None:
    result = run_cli("show", env={"NETPATH_MAX_SPEC_BYTES": "9223372036854775807"})
    assert result.exit_code == 2
    assert "more than netpath can read" in result.stderr


@pytest.mark.parametrize("columns", ["99999999999999999999", "100001"])
def test_an_absurd_columns_is_ignored(columns: str) -> None:
    """COLUMNS past any screen is a mistake: output wraps at 80 as when piped."""
    result = run_cli("show", env={"COLUMNS": columns})
    assert result.exit_code == 0
    assert max(len(line) for line in result.stdout.splitlines()) <= 80
