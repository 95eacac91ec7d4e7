"""Placeholder until the REPL lands."""


def run_repl() -> int:
    import sys
    sys.stderr.write("the REPL is not built yet\n")
    return 1
