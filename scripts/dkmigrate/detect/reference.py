"""The table of skills/migration/references/tooling.md, generated from the tool table (tools.py) so that the
skill and `migrate detect` know the same tools and commands. `python -m dkmigrate.detect.reference` rewrites
the table in place; a test fails when the file and the table disagree."""

import sys
from pathlib import Path, PurePosixPath

from . import DetectedTool
from .tools import TOOLS

REFERENCE = Path(__file__).resolve().parents[3] / "skills" / "migration" / "references" / "tooling.md"
BEGIN = "<!-- tools: generated from scripts/dkmigrate/detect/tools.py by `python -m dkmigrate.detect.reference` -->"
END = "<!-- end of tools -->"
_EXAMPLE = {"dir": "db/migrations", "app": "shop", "config": "", "driver": "postgres", "env": "",
            "data_source": "src/data-source.ts"}


def table() -> str:
    rows = ["| tool | recognise it by | status | apply | roll back | create | SQL to review | lint it |",
            "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for tool in TOOLS:
        commands = tool.commands
        cells = [tool.name, tool.recognised_by, _command(commands.status), _command(commands.up),
                 _command(commands.down), _command(commands.create), _review(tool), _lint(tool)]
        rows.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    return "\n".join(rows)


def _lint(tool) -> str:
    """The lint command `detect` would give for a project laid out as the tool's defaults (PostgreSQL)."""
    directory = tool.default_dir.format(anchor_dir="prisma") if tool.default_dir else _EXAMPLE["dir"]
    use = DetectedTool(tool, PurePosixPath("."), PurePosixPath(directory), dialect="postgres", app=_EXAMPLE["app"])
    command = use.lint_command(tool.sql_files or None)
    if command is None:
        return "none: see SQL to review"
    return f"`{command.replace('migrate lint', '${CLAUDE_PLUGIN_ROOT}/scripts/migrate lint', 1)}`"


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
