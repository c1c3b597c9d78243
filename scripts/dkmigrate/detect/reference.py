"""The table of skills/migration/references/tooling.md, generated from the tool table (tools.py) so that the
skill and `migrate detect` know the same tools and commands. `python -m dkmigrate.detect.reference` rewrites
the table in place; a test fails when the file and the table disagree."""

import sys
from pathlib import Path

from .tools import TOOLS

REFERENCE = Path(__file__).resolve().parents[3] / "skills" / "migration" / "references" / "tooling.md"
BEGIN = "<!-- tools: generated from scripts/dkmigrate/detect/tools.py by `python -m dkmigrate.detect.reference` -->"
END = "<!-- end of tools -->"
_EXAMPLE = {"dir": "db/migrations", "app": "shop", "config": "", "driver": "postgres"}


def table() -> str:
    rows = ["| tool | recognise it by | status | apply | roll back | create | SQL to review |",
            "| --- | --- | --- | --- | --- | --- | --- |"]
    for tool in TOOLS:
        commands = tool.commands
        cells = [tool.name, tool.recognised_by, _command(commands.status), _command(commands.up),
                 _command(commands.down), _command(commands.create), _review(tool)]
        rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows)


def notes() -> str:
    return "\n".join(f"- {tool.name}: {note}" for tool in TOOLS for note in tool.notes)


def generated() -> str:
    return f"{BEGIN}\n\n{table()}\n\nNotes per tool:\n\n{notes()}\n\n{END}"


def rendered(text: str) -> str:
    """The reference page with its generated part replaced by the current one."""
    start, end = text.index(BEGIN), text.index(END) + len(END)
    return text[:start] + generated() + text[end:]


def _command(template: str | None) -> str:
    if template is None:
        return "none"
    return f"`{template.format(**_EXAMPLE)}`"


def _review(tool) -> str:
    if tool.commands.sql:
        return f"`{tool.commands.sql.format(**_EXAMPLE)}`"
    return tool.review or "none"


if __name__ == "__main__":
    REFERENCE.write_text(rendered(REFERENCE.read_text(encoding="utf-8")), encoding="utf-8")
    sys.exit(0)
