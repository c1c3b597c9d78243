from ... import operations

NAME = "create"
HELP = "write a new migration file from the template, in the directory's format"


def add_arguments(parser) -> None:
    parser.add_argument("name", help="what the migration does, e.g. add_users_table")
    parser.add_argument("--sql", metavar="SQL", help="statements for the up section")
    parser.add_argument("--down-sql", metavar="SQL", help="statements for the down section")


def run(args, settings, out) -> int:
    files = operations.create(settings, args.name, up_sql=args.sql, down_sql=args.down_sql)
    if out.json_mode:
        out.document({"files": [settings.relative(path) for path in files]})
    for path in files:
        out.line(f"Created {settings.relative(path)}")
    return 0
