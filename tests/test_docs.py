"""README.md documents every command of the `feeds` CLI and every option of each (as simonw/git-history's
test_docs does): a row of its usage table per command names all its options."""

import re
from pathlib import Path

import click
import pytest

from feeds.cli import cli

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def commands(group: click.Group = cli, prefix: str = "feeds") -> list[tuple[str, click.Command]]:
    """Every command of the CLI by its full name (``feeds token create``), subcommands of groups included."""
    found = []
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            found += commands(command, f"{prefix} {name}")
        else:
            found.append((f"{prefix} {name}", command))
    return found


def rows(name: str) -> list[str]:
    """The rows of README's usage table about a command: their first cell names it, in code."""
    return [line for line in README.splitlines() if re.match(rf"\| `{re.escape(name)}[ `]", line)]


def options(command: click.Command) -> list[str]:
    return sorted(opt for param in command.params if isinstance(param, click.Option)
                  for opt in param.opts + param.secondary_opts)


@pytest.mark.parametrize("name,command", commands(), ids=[name for name, _ in commands()])
def test_every_command_and_option_is_in_the_readme(name, command):
    found = rows(name)
    assert found, f"{name} has no row in README's usage table"
    assert [opt for opt in options(command) if not any(re.search(rf"{opt}\b", row) for row in found)] == []


def test_every_command_says_what_it_does():
    assert [name for name, command in commands() if not (command.help or "").strip()] == []


def test_the_options_of_the_group_are_in_the_readme():
    assert [opt for opt in options(cli) if f"feeds {opt}" not in README] == []
