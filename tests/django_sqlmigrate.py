"""Runs inside a subprocess with Django importable: writes a small app whose migrations make the common
schema changes, and prints the SQL `sqlmigrate` gives for each, forwards and backwards, as JSON
{migration name: {"up": sql, "down": sql}}.

    python django_sqlmigrate.py PROJECT_DIR POSTGRES_URL
"""

import json
import sys
import textwrap
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

# Each migration's operations, as a Django project would have them after makemigrations (a rename is
# what makemigrations writes once the developer confirms it).
MIGRATIONS = {
    "0001_initial": """
        migrations.CreateModel("Author", [
            ("id", models.BigAutoField(primary_key=True)),
            ("name", models.CharField(max_length=100)),
            ("joined", models.DateTimeField()),
        ]),
        migrations.CreateModel("Book", [
            ("id", models.BigAutoField(primary_key=True)),
            ("title", models.CharField(max_length=200)),
            ("isbn", models.CharField(max_length=13, unique=True)),
            ("author", models.ForeignKey("library.Author", on_delete=models.CASCADE)),
        ]),
    """,
    "0002_book_pages": """
        migrations.AddField("Book", "pages", models.IntegerField(default=0)),
    """,
    "0003_alter_book_title": """
        migrations.AlterField("Book", "title", models.CharField(max_length=300)),
    """,
    "0004_book_editor": """
        migrations.AddField("Book", "editor", models.ForeignKey("library.Author", null=True,
                            on_delete=models.SET_NULL, related_name="edited")),
    """,
    "0005_rename_title_book_name": """
        migrations.RenameField("Book", "title", "name"),
    """,
    "0006_remove_book_pages": """
        migrations.RemoveField("Book", "pages"),
    """,
    "0007_book_name_idx": """
        migrations.AddIndex("Book", models.Index(fields=["name"], name="library_book_name_idx")),
    """,
    "0008_alter_book_isbn": """
        migrations.AlterField("Book", "isbn", models.TextField(unique=True)),
    """,
    "0009_book_isbn_check": """
        migrations.AddConstraint("Book", models.CheckConstraint(condition=models.Q(isbn__regex=r"^[0-9]+$"),
                                                                name="library_book_isbn_digits")),
    """,
    "0010_book_unique_name": """
        migrations.AddConstraint("Book", models.UniqueConstraint(fields=["author", "name"],
                                                                 name="library_book_author_name")),
    """,
    "0011_alter_book_editor": """
        migrations.AlterField("Book", "editor", models.ForeignKey("library.Author", on_delete=models.PROTECT,
                              related_name="edited")),
    """,
}


def write_app(root: Path) -> None:
    app = root / "library"
    (app / "migrations").mkdir(parents=True)
    (app / "__init__.py").write_text("")
    (app / "models.py").write_text("")
    (app / "migrations" / "__init__.py").write_text("")
    previous = None
    for name, operations in MIGRATIONS.items():
        dependencies = [("library", previous)] if previous else []
        (app / "migrations" / f"{name}.py").write_text(
            "from django.db import migrations, models\n\n\nclass Migration(migrations.Migration):\n"
            f"    dependencies = {dependencies!r}\n    operations = [{textwrap.dedent(operations)}]\n")
        previous = name


def main(root: Path, url: str) -> None:
    sys.path.insert(0, str(root))
    write_app(root)
    import django
    from django.conf import settings
    from django.core.management import call_command
    from io import StringIO

    parts = urlsplit(url)
    settings.configure(
        INSTALLED_APPS=["library"], USE_TZ=True,
        DATABASES={"default": {"ENGINE": "django.db.backends.postgresql", "NAME": parts.path.lstrip("/"),
                               "USER": unquote(parts.username or ""), "PASSWORD": unquote(parts.password or ""),
                               "HOST": parts.hostname or parse_qs(parts.query).get("host", [""])[0], "PORT": parts.port or ""}})
    django.setup()
    output = {}
    for name in MIGRATIONS:
        output[name] = {}
        for direction, backwards in (("up", False), ("down", True)):
            buffer = StringIO()
            call_command("sqlmigrate", "library", name, backwards=backwards, stdout=buffer, no_color=True)
            output[name][direction] = buffer.getvalue()
    print(json.dumps(output))


if __name__ == "__main__":
    main(Path(sys.argv[1]), sys.argv[2])
