"""The ``junheng`` command line (Typer + Rich).

Each command parses its arguments and calls one library function; command
groups of the engines live in ``junheng.commands.<area>`` and register
themselves here through ``register(app)``.
"""

from __future__ import annotations

import importlib

import typer

app = typer.Typer(
    name="junheng",
    help="均衡 Junheng — 县域义务教育优质均衡与乡村教育振兴 / county education balance toolkit.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
)

# Command modules: each defines ``register(app: typer.Typer) -> None``.
COMMAND_MODULES = (
    "junheng.commands.registry",
    "junheng.commands.assess",
    "junheng.commands.solve",
    "junheng.commands.web",
    "junheng.commands.teachers",
    "junheng.commands.layout",
    "junheng.commands.care",
    "junheng.commands.aid",
    "junheng.commands.supervise",
    "junheng.commands.tasks",
)


def _register_all() -> None:
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(app)


_register_all()


def main() -> None:  # console-script entry point
    app()


if __name__ == "__main__":
    main()
