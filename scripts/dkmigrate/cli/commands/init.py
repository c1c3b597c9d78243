from ... import operations

NAME = "init"
HELP = "write migrate.yaml and the migrations directory"


def add_arguments(parser) -> None:
    pass


def run(args, settings, out) -> int:
    written = operations.init(settings)
    if out.json_mode:
        out.document({"files": [settings.relative(path) for path in written]})
    for path in written:
        out.line(f"Created {settings.relative(path)}{'/' if path.is_dir() else ''}")
    return 0
