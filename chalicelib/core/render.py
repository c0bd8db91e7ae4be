"""Jinja2 rendering of email and page templates from view models (never raw store items).

HTML templates (*.html.j2) are autoescaped; text templates are not, since they are never shown as HTML.
Templates live in <root>/templates, beside chalicelib/: in the repository and, copied there by the
packaging step, in the Lambda package.
"""
from __future__ import annotations

from functools import cached_property
from pathlib import Path

TEMPLATES_DIR = Path(__file__).resolve().parents[2] / "templates"


class Templates:
    def __init__(self, root: Path = TEMPLATES_DIR):
        self.root = root

    @cached_property
    def _env(self):
        import jinja2  # imported on first render: keeps cold starts short

        if not self.root.is_dir():
            raise FileNotFoundError(f"templates folder not found: {self.root}")
        return jinja2.Environment(
            loader=jinja2.FileSystemLoader(str(self.root)),
            autoescape=jinja2.select_autoescape(enabled_extensions=("html.j2", "html"), default=False),
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )

    def render(self, name: str, **view) -> str:
        return self._env.get_template(name).render(**view)

    def exists(self, name: str) -> bool:
        return (self.root / name).is_file()
