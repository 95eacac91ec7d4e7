"""`diffcli repl`: the prompt_toolkit loop on a terminal, the line-by-line runner otherwise.

prompt_toolkit is imported here, inside functions, and nowhere else on the way to a
one-shot command.
"""
from __future__ import annotations

import sys
import threading
from typing import IO, Any

from ..terminal import EXIT_OK, color_enabled, isatty
from .lines import is_complete, statements
from .statements import ReplState

PROMPT, CONTINUATION = ">>> ", "... "


def run_repl() -> int:
    """Interactive when both ends are terminals; otherwise statements from standard input."""
    if not (isatty(sys.stdin) and isatty(sys.stdout)):
        from .batch import run_batch
        return run_batch()
    return interactive(ReplState(color=color_enabled(sys.stdout)))


def key_bindings() -> Any:
    from prompt_toolkit.key_binding import KeyBindings
    kb = KeyBindings()

    @kb.add("enter")
    def _enter(event: Any) -> None:
        buf = event.current_buffer
        if buf.complete_state is not None and buf.complete_state.current_completion is not None:
            buf.complete_state = None  # Enter on a chosen completion keeps it; the next Enter runs
        elif is_complete(buf.text):
            buf.validate_and_handle()
        else:
            buf.insert_text("\n")
    return kb


def make_session(state: ReplState, input: Any = None, output: Any = None, history: Any = None) -> Any:
    """The PromptSession: history, suggestions, completion, colours, multi-line input, toolbar."""
    from prompt_toolkit import PromptSession
    from prompt_toolkit.auto_suggest import AutoSuggestFromHistory
    from prompt_toolkit.styles import Style

    from .completer import ReplCompleter
    from .history import make_history
    from .lexer import STYLE, ReplLexer
    from .toolbar import toolbar
    style = Style.from_dict({**STYLE, "prompt": "bold", "continuation": "#93a1a1"})
    return PromptSession(
        message=[("class:prompt", PROMPT)], history=history if history is not None else make_history(),
        auto_suggest=AutoSuggestFromHistory(), completer=ReplCompleter(state), complete_while_typing=False,
        lexer=ReplLexer(state), style=style, include_default_pygments_style=False, multiline=True,
        prompt_continuation=lambda width, line, wrap: [("class:continuation", CONTINUATION.rjust(width))],
        key_bindings=key_bindings(), bottom_toolbar=toolbar(state), input=input, output=output)


def _warm_up() -> None:
    from ..language.parser import parse
    try:
        parse("0", start="repl_line")  # loads the parser and its tables while the user types
    except Exception:  # noqa: BLE001 - the first statement will report any problem
        pass


def interactive(state: ReplState, session: Any = None, out: IO[str] | None = None,
                err: IO[str] | None = None) -> int:
    """Read, run, print until Ctrl-D or :quit (exit code 0). Ctrl-C cancels the line being
    typed, or stops the statement running and returns to the prompt."""
    from .. import __version__
    out, err = out or sys.stdout, err or sys.stderr
    session = session or make_session(state)
    warm = threading.Thread(target=_warm_up, daemon=True)
    warm.start()
    out.write(f"diffcli {__version__}: a differentiation REPL. :help for help, Ctrl-D to quit.\n")
    while True:
        try:
            text = session.prompt()
        except KeyboardInterrupt:
            continue
        except EOFError:
            return EXIT_OK
        try:
            warm.join()
            for _, statement in statements(text.split("\n")):  # pasted lines run one by one
                reply = state.execute(statement)
                for chunk, bad in reply.chunks:
                    (err if bad else out).write(chunk + "\n")
                out.flush()
                err.flush()
                if reply.quit:
                    return EXIT_OK
        except KeyboardInterrupt:
            err.write("\ninterrupted\n")  # on a line of its own, after the terminal's ^C
