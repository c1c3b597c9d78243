"""Rendering of the Jinja templates in templates/ (inside the package once installed)."""

from functools import cache
from pathlib import Path

_PACKAGED = Path(__file__).parent / "templates"
_CHECKOUT = Path(__file__).resolve().parents[2] / "templates"


def templates_dir() -> Path:
    return _PACKAGED if _PACKAGED.is_dir() else _CHECKOUT


@cache
def _environment():
    import jinja2

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir())),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
    )


def render(template: str, **context) -> str:
    return _environment().get_template(template).render(**context)
