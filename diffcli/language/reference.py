"""The language reference in Markdown, generated from the built-in table (the README embeds it)."""
from __future__ import annotations

from .builtins import BUILTINS, CONSTANT_DOCS

BEGIN, END = "<!-- reference:begin -->", "<!-- reference:end -->"


def markdown() -> str:
    groups: dict[str, list] = {}
    for b in BUILTINS.values():
        groups.setdefault(b.group, []).append(b)
    lines = [BEGIN, "", "| name | arguments | what it is | example |", "|---|---|---|---|"]
    for group, items in groups.items():
        lines.append(f"| **{group}** | | | |")
        for b in items:
            lo, hi = b.arity
            args = str(lo) if lo == hi else (f"{lo}-{hi}" if hi is not None else f"{lo}+")
            lines.append(f"| `{b.name}` | {args} | {b.doc.replace('|', '/')} | `{b.example}` |")
    lines.append("| **constants** | | | |")
    lines += [f"| `{k}` | | {v} | `{k}` |" for k, v in CONSTANT_DOCS.items()]
    return "\n".join(lines + ["", END])


def embed(readme: str) -> str:
    """``readme`` with the text between the markers replaced by the current reference."""
    head, _, rest = readme.partition(BEGIN)
    _, _, tail = rest.partition(END)
    return head + markdown() + tail


if __name__ == "__main__":  # python -m diffcli.language.reference README.md  (rewrites it in place)
    import sys
    if len(sys.argv) > 1:
        with open(sys.argv[1], encoding="utf-8") as f:
            text = embed(f.read())
        with open(sys.argv[1], "w", encoding="utf-8") as f:
            f.write(text)
    else:
        print(markdown())
