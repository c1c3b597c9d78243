"""`migrate detect`: the migration tools the project already uses, with their own commands."""

NAME = "detect"
HELP = "name the migration tools the project uses, with the evidence, where their migrations are, and their commands"
OPERATIONS = ("create", "up", "down", "status", "sql")


def add_arguments(parser) -> None:
    pass


def run(args, settings, out) -> int:
    from ...detect import detect

    uses = detect(settings.base_dir)
    if out.json_mode:
        document = {"directory": str(settings.base_dir), "tools": [_document(use) for use in uses]}
        if not uses:
            document["note"] = "no migration tool found"
        out.document(document)
        return 0
    if not uses:
        out.line(f"No migration tool found in {settings.base_dir}.")
        return 0
    for index, use in enumerate(uses):
        if index:
            out.line()
        out.line(f"{use.name}{f' (app {use.app})' if use.app else ''}: {_shown(use.root)}")
        for item in use.evidence:
            out.line(f"  evidence:   {item}")
        out.line(f"  dialect:    {use.dialect or 'not stated in its configuration'}")
        if use.migrations_dir is not None:
            count = f"{use.migrations} migration{'s' if use.migrations != 1 else ''}"
            out.line(f"  migrations: {_shown(use.migrations_dir)} ({count})")
        commands = use.commands()
        where = f" (run in {_shown(use.root)})" if use.root.parts else ""
        out.line(f"  commands{where}:")
        for operation in OPERATIONS:
            out.line(f"    {operation + ':':8} {commands[operation] or 'none'}")
        lint = use.lint_command()
        out.line(f"    {'lint:':8} {lint or use.tool.review}")
        for placeholder, meaning in use.to_substitute().items():
            out.line(f"  substitute {placeholder}: {meaning}")
    return 0


def _shown(path) -> str:
    return path.as_posix() if path.parts else "."


def _document(use) -> dict:
    return {
        "name": use.name,
        "root": _shown(use.root),
        "app": use.app,
        "evidence": use.evidence,
        "dialect": use.dialect,
        "migrations_dir": _shown(use.migrations_dir) if use.migrations_dir is not None else None,
        "migrations": use.migrations,
        "commands": use.commands(),
        "lint": use.lint_command(),
        "review": use.tool.review or None,
        "substitute": use.to_substitute(),
    }
