from ... import operations

NAME = "init"
HELP = "write migrate.yaml and the migrations directory"


def add_arguments(parser) -> None:
    pass


def run(args, settings, out) -> int:
    report = operations.init(settings)
    if out.json_mode:
        out.document({"files": [settings.relative(path) for path in report.created],
                      "updated": [settings.relative(path) for path in report.updated]})
    for verb, paths in (("Created", report.created), ("Updated", report.updated)):
        for path in paths:
            out.line(f"{verb} {settings.relative(path)}{'/' if path.is_dir() else ''}")
    return 0
