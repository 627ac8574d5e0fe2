"""Every command, every option and every config key is documented in docs/: a new one that is not fails here.

Commands and options come from the Typer app itself, config keys from the pydantic models (recursively) and
from each source kind's settings class, so nothing has to be listed by hand."""

from __future__ import annotations

import re
import typing
from pathlib import Path

import pytest
import typer
from pydantic import BaseModel

from luisterpost.cli import app
from luisterpost.config import Config
from luisterpost.sources.registry import KINDS
from luisterpost.sources.settings import HttpSourceSettings

DOCS = Path(__file__).resolve().parent.parent / "docs"

# Fields of the config models that are no keys of the TOML file, each with why.
INTERNAL = {
    "base_dir": "set by load_config to the config file's folder; relative paths resolve against it",
}


def _sections() -> list[tuple[str, str]]:
    """(file name, text) per heading-delimited section of every docs/*.md file."""
    found = []
    for path in sorted(DOCS.glob("*.md")):
        lines: list[str] = []
        fenced = False
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.startswith("```"):
                fenced = not fenced
            elif not fenced and re.match(r"#{1,6} ", line) and lines:  # a `# comment` in a code block is no heading
                found.append((path.name, "\n".join(lines)))
                lines = []
            lines.append(line)
        found.append((path.name, "\n".join(lines)))
    return found


def _code(text: str) -> list[str]:
    """The inline code spans and fenced code blocks of a piece of Markdown."""
    blocks = re.findall(r"```[^\n]*\n(.*?)```", text, re.S)
    return blocks + re.findall(r"`([^`\n]+)`", re.sub(r"```.*?```", "", text, flags=re.S))


def _has(word: str, text: str) -> bool:
    return re.search(r"(?<![\w-])" + re.escape(word) + r"(?![\w-])", text) is not None


SECTIONS = _sections()
CODE = [span for _, text in SECTIONS for span in _code(text)]


def _commands() -> list[tuple[list[str], typing.Any]]:
    """(path of names, click command) for the app and every command and sub-command under it."""
    def walk(command, path):
        yield path, command
        for name, sub in getattr(command, "commands", {}).items():
            yield from walk(sub, path + [name])

    return list(walk(typer.main.get_command(app), []))


COMMANDS = _commands()


@pytest.mark.parametrize("path", [p for p, _ in COMMANDS if p], ids=lambda p: " ".join(p))
def test_every_command_is_shown_in_the_docs_as_a_command_line(path):
    name = " ".join(path)
    assert any("luisterpost" in span and _has(name, span) for span in CODE), (
        f"`luisterpost {name}` appears in no code span or block of docs/*.md: add it (docs/operations.md, Commands)")


@pytest.mark.parametrize("path,option", [(p, o) for p, c in COMMANDS for param in c.params for o in param.opts
                                         if o.startswith("--")],
                         ids=lambda v: " ".join(v) if isinstance(v, list) else v)
def test_every_option_is_shown_with_its_command(path, option):
    # Beside its command in one code span or block: `--from` of `export` is not documented by `metrics --from`.
    assert any(_has(option, span) and (not path or _has(path[-1], span)) for span in CODE), (
        f"{option} of `luisterpost {' '.join(path)}` appears with that command in no code span or block of docs/*.md")


def _models(annotation) -> list[type[BaseModel]]:
    """The pydantic models inside a field's type (`Webcare`, `dict[str, Portfolio]`, `X | None`, …)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in typing.get_args(annotation) for m in _models(arg)]


def _keys(model: type[BaseModel], parent: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every key of `model` as a path of names, nested tables included; [[sources]] is checked per kind."""
    found = []
    for name, field in model.model_fields.items():
        if not parent and name in INTERNAL:
            continue
        key = field.alias or name  # as written in the TOML ("from", not the attribute's name)
        found.append(parent + (key,))
        if name != "sources":
            for sub in dict.fromkeys(_models(field.annotation)):
                found += _keys(sub, parent + (key,))
    return found


@pytest.mark.parametrize("key", _keys(Config), ids=".".join)
def test_every_config_key_is_documented_with_its_table(key):
    leaf, table = key[-1], key[-2] if len(key) > 1 else None
    # A nested key counts where a section shows it in code and names its table (`[webcare]`, `webcare.x`, …).
    assert any(any(_has(leaf, span) for span in _code(text)) and (table is None or _has(table, text))
               for _, text in SECTIONS), (
        f"config key {'.'.join(key)} appears in no section of docs/*.md that shows it as code"
        + (f" and names [{table}]" if table else ""))


def _source_keys() -> list[tuple[str, str]]:
    keys = []
    for kind in KINDS.values():
        keys += [(kind.name, name) for name in kind.settings.model_fields if name != "kind"]
    return keys


SOURCES = [text for name, text in SECTIONS if name == "sources.md"]


@pytest.mark.parametrize("kind,key", _source_keys(), ids=lambda v: v)
def test_every_source_key_is_documented_for_its_kind(kind, key):
    # A key every platform source shares is documented once, in the table before the platforms; the others
    # in their kind's own section (its heading names `kind = "..."`).
    shared = key in HttpSourceSettings.model_fields and issubclass(KINDS[kind].settings, HttpSourceSettings)
    places = SOURCES[:1] if shared else [text for text in SOURCES if f'kind = "{kind}"' in text.split("\n")[0]]
    assert places, f'docs/sources.md has no section whose heading names kind = "{kind}"'
    assert any(_has(key, span) for text in places for span in _code(text)), (
        f"key {key!r} of [[sources]] kind {kind!r} is not shown as code in its docs/sources.md section")


def test_the_internal_fields_exist():
    assert set(INTERNAL) <= set(Config.model_fields)
