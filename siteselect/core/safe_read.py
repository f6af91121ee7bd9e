"""One hardened way to open what a user gives: text files, YAML and layer paths.

Every scenario, catalog, enquiry request and grid table is read with
:func:`read_text` or :func:`load_yaml`; every layer path passes
:func:`check_input_file` before GDAL sees it. They refuse, with one line
naming the file and the fix:

- anything but a regular file (a folder, a FIFO, a device such as
  ``/dev/zero``, a socket) — checked with :func:`os.stat` *before* the file is
  opened, so a FIFO never blocks;
- text files larger than a stated cap (:data:`MAX_YAML_BYTES`,
  :data:`MAX_CSV_BYTES`);
- text that is not UTF-8, naming the byte offset of the first bad byte;
- YAML nested deeper than :data:`MAX_YAML_DEPTH`, YAML with anchors or
  aliases (``&name`` / ``*name``: the way an "alias bomb" multiplies a few
  lines into billions of values), and mappings that repeat a key (naming
  the line of both).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import yaml

from siteselect.errors import SiteSelectError

__all__ = [
    "MAX_CSV_BYTES",
    "MAX_YAML_BYTES",
    "MAX_YAML_DEPTH",
    "check_input_file",
    "load_yaml",
    "parse_yaml",
    "read_text",
]

#: Largest YAML file read (scenarios, catalogs and requests are a few kB; the
#: pure-Python parser needs about 5 s per MB of hostile flow-style YAML).
MAX_YAML_BYTES = 1024 * 1024
#: Largest CSV table read as text (grid capacity and project tables).
MAX_CSV_BYTES = 50 * 1024 * 1024
#: Deepest nesting of mappings and lists accepted in a YAML file.
MAX_YAML_DEPTH = 50


def _size(n: int) -> str:
    return f"{n / 2**20:.3g} MB" if n >= 2**20 else f"{n:,} bytes"


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def check_input_file(path: str | os.PathLike[str], *, what: str, error: type[SiteSelectError],
                     folder_suffixes: tuple[str, ...] = ()) -> os.stat_result:
    """Check that ``path`` names a regular file (or a folder format) without opening it.

    Parameters
    ----------
    path
        The path the user gave.
    what
        What the file is, for messages (``"scenario"``, ``"catalog"`` …).
    error
        The error class to raise.
    folder_suffixes
        Lower-case suffixes of formats that are folders (``(".gdb",)``).

    Returns
    -------
    os.stat_result
        The file's status (``st_size`` is its size).

    Raises
    ------
    SiteSelectError
        (``error``) The path does not exist, cannot be examined, or is a
        folder, FIFO, device or socket.
    """
    p = Path(path)
    try:
        st = os.stat(p)
    except FileNotFoundError as exc:
        raise error(f"{what} {p}: file not found; check the path") from exc
    except OSError as exc:
        raise error(f"{what} {p}: cannot be read ({exc.strerror or exc}); check the path") from exc
    if stat.S_ISREG(st.st_mode):
        return st
    if stat.S_ISDIR(st.st_mode) and p.suffix.lower() in folder_suffixes:
        return st
    raise error(f"{what} {p}: is {_kind(st.st_mode)}, not a regular file; give the path of a file")


def read_text(path: str | os.PathLike[str], *, what: str, error: type[SiteSelectError],
              max_bytes: int = MAX_YAML_BYTES) -> str:
    """Read a UTF-8 text file the user gave, refusing what could hang or flood memory.

    A leading byte-order mark is dropped.

    Parameters
    ----------
    path
        The file.
    what
        What the file is, for messages.
    error
        The error class to raise.
    max_bytes
        Largest size accepted.

    Returns
    -------
    str
        The text.

    Raises
    ------
    SiteSelectError
        (``error``) Not a regular file, larger than ``max_bytes``, unreadable,
        or not UTF-8 (naming the byte offset).
    """
    p = Path(path)
    st = check_input_file(p, what=what, error=error)
    cap = _size(max_bytes)
    if st.st_size > max_bytes:
        raise error(f"{what} {p}: is {_size(st.st_size)}, larger than the {cap} siteselect reads; "
                    "give the right file or split it")
    try:
        # O_NONBLOCK: should the path have become a FIFO since the check, opening it does not block
        fd = os.open(p, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as fh:
            if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
                raise error(f"{what} {p}: is not a regular file; give the path of a file")
            data = fh.read(max_bytes + 1)
    except OSError as exc:
        raise error(f"{what} {p}: cannot be read ({exc.strerror or exc}); check the path and permissions") from exc
    if len(data) > max_bytes:  # grew while read
        raise error(f"{what} {p}: is larger than the {cap} siteselect reads; give the right file or split it")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        bad = data[exc.start:exc.start + 1].hex()
        raise error(f"{what} {p}: is not UTF-8 text (byte 0x{bad} at byte offset {exc.start}); "
                    "save the file as UTF-8") from exc
    return text[1:] if text.startswith("\ufeff") else text


class _Refused(yaml.YAMLError):
    """YAML this loader does not accept (alias, anchor, depth, duplicate key)."""


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader without anchors/aliases, with a nesting limit and no duplicate keys."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()
        line = event.start_mark.line + 1 if event.start_mark else 0
        if isinstance(event, yaml.AliasEvent):
            raise _Refused(f"line {line}: alias *{event.anchor} is not allowed; write the value out "
                           "(siteselect refuses YAML anchors and aliases)")
        if getattr(event, "anchor", None) is not None:
            raise _Refused(f"line {line}: anchor &{event.anchor} is not allowed; remove it and write "
                           "values out (siteselect refuses YAML anchors and aliases)")
        self._depth += 1
        if self._depth > MAX_YAML_DEPTH:
            raise _Refused(f"line {line}: nested more than {MAX_YAML_DEPTH} levels deep; "
                           "flatten the file")
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:
        if isinstance(node, yaml.MappingNode):
            self.flatten_mapping(node)
            seen: dict[Any, int] = {}
            for key_node, _ in node.value:
                key = self.construct_object(key_node, deep=True)
                line = key_node.start_mark.line + 1
                try:
                    first = seen.get(key)
                except TypeError:  # unhashable key: the base class reports it
                    continue
                if first is not None:
                    raise _Refused(f"line {line}: key {key!r} repeats the key on line {first}; "
                                   "keep one of them")
                seen[key] = line
        return super().construct_mapping(node, deep=deep)


def parse_yaml(text: str, *, source: str, error: type[SiteSelectError]) -> Any:
    """Parse YAML text with the strict loader; problems raise ``error`` naming ``source``.

    Parameters
    ----------
    text
        The YAML text.
    source
        Start of every message, e.g. ``"scenario a.yaml"``.
    error
        The error class to raise.
    """
    try:
        return yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader subclass
    except _Refused as exc:
        raise error(f"{source}: {exc}") from exc
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        what = " ".join(str(exc.problem or exc.context or "syntax error").split())
        raise error(f"{source}: is not valid YAML: {what}{where}; fix the syntax there") from exc
    except (yaml.YAMLError, ValueError, OverflowError, RecursionError) as exc:
        text_ = " ".join(str(exc).split()) or type(exc).__name__
        raise error(f"{source}: is not valid YAML ({text_}); fix the file") from exc


def load_yaml(path: str | os.PathLike[str], *, what: str, error: type[SiteSelectError]) -> Any:
    """Read and parse a user's YAML file (see the module docstring for what is refused).

    Raises
    ------
    SiteSelectError
        (``error``) Naming the file and, where there is one, the line.
    """
    p = Path(path)
    return parse_yaml(read_text(p, what=what, error=error, max_bytes=MAX_YAML_BYTES),
                      source=f"{what} {p}", error=error)
