"""Running the command line inside a test: one helper for every test that calls main."""

from __future__ import annotations


def run_main(argv, capsys) -> tuple[int | str | None, str, str]:
    """(exit code, stdout, stderr) of rnnsim.cli.main, whether it returns or exits
    (argparse's --help and its own errors exit)."""
    from rnnsim.cli import main

    try:
        code = main(argv)
    except SystemExit as e:
        code = e.code
    out, err = capsys.readouterr()
    return code, out, err
