"""Every file siteselect writes goes through here.

Three guarantees, used by every command:

* **One writer.** :func:`atomic_write` (and :func:`write_text`,
  :func:`write_csv` on top of it) writes to a temporary file beside the
  target and renames it into place, so a reader never sees half a file. New
  files get the mode a plain ``open()`` would give (``0o666`` minus the
  umask); a replaced file keeps its mode.
* **Outputs never overwrite inputs.** :func:`check_outputs` is called with
  every output path of a command and every file the command reads *before*
  anything is written, and refuses (:class:`~siteselect.errors.OutputError`,
  exit code 2) when an output is an input, when an output folder holds an
  input, or when an output lies inside an input folder (like rasterio's
  ``rio`` ``resolve_inout``).
* **All-or-nothing folders.** :class:`OutputFolder` is how a command writes a
  result folder (``--out``): files go to a staging folder
  ``OUT/.siteselect-staging-*`` and are moved into ``OUT`` only at the end,
  under a marker file ``OUT/INCOMPLETE`` that is removed last. A run killed at
  any point therefore leaves the previous complete result, or a folder whose
  ``INCOMPLETE`` file says it is not to be trusted. ``OUT/.siteselect-manifest.json``
  lists the files the last run wrote: files of the previous run that the new
  one does not write are removed (and logged), files the user put in the
  folder are never touched, and a non-empty folder without a manifest is
  refused. ``OUT/.siteselect.lock`` is held with an OS file lock
  (``flock``) for the whole command, so a second run into the same folder is
  refused while the first is alive, and a killed run holds nothing.

CSV cells are neutralised against formula injection (OWASP "CSV
injection"): a text cell starting with ``=``, ``+``, ``-``, ``@``, tab or
carriage return gets a leading ``'``; numbers stay numbers.
"""

from __future__ import annotations

import csv
import json
import logging
import os
import secrets
import shutil
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from types import TracebackType
from typing import IO, Any

import pandas as pd

from siteselect.errors import OutputError

log = logging.getLogger(__name__)

#: Marker file present in an output folder while its content may mix two runs.
INCOMPLETE = "INCOMPLETE"
#: Files the last run wrote into an output folder (relative POSIX paths), as JSON.
MANIFEST = ".siteselect-manifest.json"
#: Lock file held (flock) by the command writing the folder.
LOCK = ".siteselect.lock"
#: Prefix of the staging folder inside the output folder.
STAGING_PREFIX = ".siteselect-staging-"

_BOOKKEEPING = (INCOMPLETE, MANIFEST, LOCK)
_INCOMPLETE_TEXT = (
    "siteselect was writing this folder and stopped before it finished (killed, crashed or\n"
    "out of disk). The files here may mix two runs: do not use them. Run the command again\n"
    "with the same --out; it finishes the folder and removes this file.\n"
)

#: First characters that make a spreadsheet read a cell as a formula (OWASP CSV injection).
FORMULA_STARTS: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")


# --------------------------------------------------------------------------- one writer


def atomic_write(path: str | os.PathLike[str], write: Callable[[Path], object], *,
                 tmp_dir: str | os.PathLike[str] | None = None) -> Path:
    """Write through a temporary file in the target folder, then ``os.replace`` it.

    Parameters
    ----------
    path
        The file to write.
    write
        Called with the temporary path; writes the whole file there.
    tmp_dir
        Folder for the temporary file instead of the target's (same file system).

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    OutputError
        The folder cannot be created or the file cannot be written; the
        temporary file is removed and an old file at ``path`` is kept.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create output folder {path.parent}: {exc.strerror}; choose another "
                          "output location") from exc
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=f".tmp{path.suffix}",
                                        dir=path.parent if tmp_dir is None else tmp_dir)
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror}; choose another output location") from exc
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        mode = path.stat().st_mode & 0o777 if path.is_file() else 0o666 & ~_umask()
        write(tmp)
        os.chmod(tmp, mode)  # mkstemp makes 0600; give the file the mode a plain open() would
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise OutputError(f"cannot write {path}: {exc}") from exc
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def write_text(path: str | os.PathLike[str], text: str, *, tmp_dir: str | os.PathLike[str] | None = None) -> Path:
    """Write ``text`` as UTF-8 to ``path`` atomically (see :func:`atomic_write`)."""
    return atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"), tmp_dir=tmp_dir)


def _umask() -> int:
    """The process umask, read without changing it (Linux); 0o022 elsewhere."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    return 0o022


# --------------------------------------------------------------------------- CSV


def neutralise_cell(value: Any) -> Any:
    """``value`` with a leading ``'`` when it is text starting like a formula; anything else unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def neutralise_csv(table: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``table`` whose text cells and column names cannot run as spreadsheet formulas.

    Only text is touched: a numeric column's ``-3.5`` stays the number -3.5,
    while the text ``"-3"`` (a name) becomes ``"'-3"``.
    """
    out = table.copy()
    for col in out.columns:
        s = out[col]
        if pd.api.types.is_numeric_dtype(s.dtype) or pd.api.types.is_bool_dtype(s.dtype) \
                or pd.api.types.is_datetime64_any_dtype(s.dtype):
            continue
        if isinstance(s.dtype, pd.CategoricalDtype):
            s = s.astype(object)
        out[col] = s.map(neutralise_cell, na_action="ignore")
    out.columns = [neutralise_cell(c) for c in out.columns]
    return out


def write_csv(table: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Write ``table`` (without its index) as UTF-8 CSV, neutralised (:func:`neutralise_csv`), atomically.

    Text cells are quoted and numbers are not (``csv.QUOTE_NONNUMERIC``), so a
    carriage return inside a name cannot split a row and a reader can tell
    the text ``"-3"`` from the number -3.
    """
    safe = neutralise_csv(pd.DataFrame(table))
    return atomic_write(path, lambda tmp: safe.to_csv(tmp, index=False, encoding="utf-8",
                                                      quoting=csv.QUOTE_NONNUMERIC))


# --------------------------------------------------------------------------- outputs vs inputs


def _real(path: str | os.PathLike[str]) -> Path:
    return Path(os.path.realpath(os.path.abspath(os.path.expanduser(os.fspath(path)))))


def _inside(child: Path, parent: Path) -> bool:
    return child == parent or parent in child.parents


def check_outputs(
    *,
    files: Iterable[str | os.PathLike[str]] = (),
    folders: Iterable[str | os.PathLike[str]] = (),
    inputs: Iterable[str | os.PathLike[str]] = (),
    option: str = "--out",
) -> None:
    """Refuse outputs that would overwrite or remove an input, before anything is written.

    Parameters
    ----------
    files
        Single output files a command writes (e.g. ``compare --csv``).
    folders
        Output folders a command fills (``--out``): nothing the command reads
        may lie inside them.
    inputs
        Every file or folder the command reads. Paths that do not exist are
        ignored; symbolic links and ``..`` are resolved before comparing.
    option
        The option that names the output, for the message.

    Raises
    ------
    OutputError
        Naming the output, the input it would hit, and the fix.
    """
    ins = [(p, _real(p)) for p in inputs if os.path.lexists(p)]
    for out in files:
        o = _real(out)
        for given, real in ins:
            if o == real:
                same = "" if os.fspath(given) == os.fspath(out) else f" ({given})"
                raise OutputError(f"{out} is an input of this command{same}; siteselect never overwrites its "
                                  f"inputs: choose another {option}")
            if real.is_dir() and _inside(o, real):
                raise OutputError(f"{out} lies inside the input folder {given}; choose another {option} "
                                  "outside it")
    for folder in folders:
        o = _real(folder)
        if o.exists() and not o.is_dir():
            raise OutputError(f"{folder} is a file, not a folder; choose another {option}")
        for given, real in ins:
            if _inside(real, o):
                raise OutputError(f"{option} {folder} holds {given}, which this command reads; siteselect "
                                  f"never overwrites or removes its inputs: choose another {option}")
            if real.is_dir() and _inside(o, real):
                raise OutputError(f"{option} {folder} lies inside the input folder {given}; choose another "
                                  f"{option} outside it")


# --------------------------------------------------------------------------- the lock


class _Lock:
    """An exclusive OS lock on a file, released when the process ends (however it ends)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fh: IO[str] | None = None

    def acquire(self, *, what: str) -> None:
        try:
            fh = open(self.path, "a+", encoding="utf-8")  # noqa: SIM115 - held until release()
        except OSError as exc:
            raise OutputError(f"cannot create {self.path}: {exc.strerror}; choose another --out") from exc
        try:
            _lock_file(fh)
        except OSError as exc:
            fh.seek(0)
            holder = fh.read().strip() or "unknown"
            fh.close()
            raise OutputError(f"another siteselect command (pid {holder}) is writing {what}; wait for it to "
                              "finish or choose another --out") from exc
        fh.seek(0)
        fh.truncate()
        fh.write(str(os.getpid()))
        fh.flush()
        self._fh = fh

    def release(self) -> None:
        if self._fh is not None:
            self._fh.close()  # closing the file drops the lock
            self._fh = None


def _lock_file(fh: IO[str]) -> None:
    """Take a non-blocking exclusive lock on ``fh``; ``OSError`` when another process holds it."""
    try:
        import fcntl
    except ImportError:  # Windows
        import msvcrt

        fh.seek(0)
        msvcrt.locking(fh.fileno(), msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]
        return
    fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)


# --------------------------------------------------------------------------- all-or-nothing folders


def _files_under(root: Path) -> list[str]:
    """Relative POSIX paths of the regular files and links under ``root``."""
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(filenames):
            out.append((Path(dirpath) / name).relative_to(root).as_posix())
    return out


def read_manifest(folder: str | os.PathLike[str]) -> list[str] | None:
    """The files the last siteselect command wrote into ``folder`` (relative paths), or ``None``."""
    path = Path(folder) / MANIFEST
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    files = data.get("files") if isinstance(data, dict) else None
    if not isinstance(files, list) or not all(isinstance(f, str) for f in files):
        return None
    return [f for f in files if _safe_relative(f)]


def _safe_relative(rel: str) -> bool:
    p = Path(rel)
    return not p.is_absolute() and ".." not in p.parts and rel not in _BOOKKEEPING


class OutputFolder:
    """Write a result folder all-or-nothing (see the module docstring).

    Use as a context manager; write every file under :attr:`staging`, then
    call :meth:`commit`. Leaving the block without committing (an error)
    removes the staging folder and leaves ``target`` as it was.

    Parameters
    ----------
    target
        The output folder (``--out``); created when missing.
    inputs
        Every file or folder the command reads (see :func:`check_outputs`).
    command
        Name of the command, recorded in the manifest.

    Raises
    ------
    OutputError
        (on entering) ``target`` holds an input, is a file, cannot be created,
        is being written by another live command, or is a non-empty folder
        that no siteselect command wrote.
    """

    def __init__(self, target: str | os.PathLike[str], *, inputs: Iterable[str | os.PathLike[str]] = (),
                 command: str = "run") -> None:
        self.target = Path(target)
        self._inputs = list(inputs)
        self._command = command
        self._lock = _Lock(self.target / LOCK)
        self._staging: Path | None = None
        self._previous: list[str] = []
        self._made: dict[str, bool] = {}
        self._committed = False

    @property
    def staging(self) -> Path:
        """The folder to write into; its files move to ``target`` on :meth:`commit`."""
        if self._staging is None:
            raise RuntimeError("OutputFolder.staging is only there inside its with-block")
        return self._staging

    def __enter__(self) -> OutputFolder:
        check_outputs(folders=[self.target], inputs=self._inputs)
        self._made = {"folder": not self.target.exists(), "lock": not (self.target / LOCK).exists(),
                      "marker": False}
        try:
            self.target.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputError(f"cannot create output folder {self.target}: {exc.strerror}; choose another "
                              "--out") from exc
        self._lock.acquire(what=str(self.target))
        try:
            self._prepare()
        except BaseException:
            self._undo()
            raise
        return self

    def _undo(self) -> None:
        """After a failure (not a kill): take back the bookkeeping files this command made, release the lock."""
        if self._made["marker"]:
            (self.target / INCOMPLETE).unlink(missing_ok=True)
        self._lock.release()
        if self._made["lock"]:
            (self.target / LOCK).unlink(missing_ok=True)
        if self._made["folder"]:
            try:
                self.target.rmdir()  # only when empty
            except OSError:
                pass

    def _prepare(self) -> None:
        t = self.target
        for stale in sorted(t.glob(f"{STAGING_PREFIX}*")):
            log.info("removing %s left by a siteselect command that did not finish", stale)
            shutil.rmtree(stale, ignore_errors=True)
        manifest = read_manifest(t)
        present = [name for name in sorted(os.listdir(t)) if name not in _BOOKKEEPING]
        if manifest is None and present:
            shown = ", ".join(present[:3]) + (" …" if len(present) > 3 else "")
            raise OutputError(f"--out {t} is not empty ({shown}) and has no {MANIFEST} of an earlier siteselect "
                              "run; choose a new or empty folder for --out (siteselect never removes files it did "
                              "not write)")
        self._previous = manifest or []
        self._staging = t / f"{STAGING_PREFIX}{secrets.token_hex(4)}"
        self._staging.mkdir()
        (self._staging / INCOMPLETE).write_text(_INCOMPLETE_TEXT, encoding="utf-8")
        if manifest is None:  # a new folder: incomplete until the first commit
            self._made["marker"] = not (t / INCOMPLETE).exists()
            _write_marker(t, self._staging)

    def final(self, path: str | os.PathLike[str]) -> Path:
        """Where ``path`` (under :attr:`staging`) ends up after :meth:`commit`."""
        return self.target / Path(path).relative_to(self.staging)

    def commit(self) -> list[str]:
        """Move the staged files into ``target``; remove files of the previous run not written again.

        Returns
        -------
        list of str
            The files now in ``target`` written by this command (relative paths).

        Raises
        ------
        OutputError
            A staged file would replace a file siteselect did not write; nothing is moved.
        """
        t, stage = self.target, self.staging
        new = [rel for rel in _files_under(stage) if rel != INCOMPLETE]  # the staging folder stays marked
        previous = set(self._previous)
        clash = [rel for rel in new if rel not in previous and os.path.lexists(t / rel)]
        if clash:
            raise OutputError(f"--out {t} already holds {', '.join(clash[:3])}, which siteselect did not write "
                              "there; move it away or choose another --out")
        real_t = _real(t)
        gone = [rel for rel in self._previous if rel not in set(new) and os.path.lexists(t / rel)
                and not (t / rel).is_dir() and _inside(_real(t / rel).parent, real_t)]
        _write_marker(t, stage)
        self._made["marker"] = False  # from here on a failure leaves the folder marked
        _write_manifest(t, stage, sorted(previous | set(new)), self._command)  # covers both until the move is done
        for rel in gone:
            (t / rel).unlink(missing_ok=True)
            _prune_empty_parents(t / rel, t)
        if gone:
            log.warning("removed %d file(s) of the previous run in %s that this run did not write: %s",
                        len(gone), t, ", ".join(gone[:10]) + (" …" if len(gone) > 10 else ""))
        try:
            for rel in new:
                dst = t / rel
                dst.parent.mkdir(parents=True, exist_ok=True)
                os.replace(stage / rel, dst)
        except OSError as exc:
            raise OutputError(f"cannot move {rel} into {t}: {exc.strerror or exc}; {t} is marked {INCOMPLETE}: "
                              "free the space or fix the rights, then run again") from exc
        _write_manifest(t, stage, new, self._command)
        (t / INCOMPLETE).unlink(missing_ok=True)
        shutil.rmtree(stage, ignore_errors=True)
        self._committed = True
        return new

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        try:
            if self._staging is not None:  # after commit() it is gone already
                shutil.rmtree(self._staging, ignore_errors=True)
        finally:
            if self._committed:
                self._lock.release()
            else:
                self._undo()


def _write_marker(folder: Path, staging: Path) -> None:
    """The ``INCOMPLETE`` marker, its temporary file in the staging folder (a kill leaves no stray file)."""
    if not (folder / INCOMPLETE).exists():
        write_text(folder / INCOMPLETE, _INCOMPLETE_TEXT, tmp_dir=staging)


def _write_manifest(folder: Path, staging: Path, files: list[str], command: str) -> None:
    text = json.dumps({"written_by": f"siteselect {command}", "files": files}, indent=1, ensure_ascii=False)
    write_text(folder / MANIFEST, text + "\n", tmp_dir=staging)


def _prune_empty_parents(path: Path, root: Path) -> None:
    for parent in path.parents:
        if parent == root or root not in parent.parents:
            return
        try:
            parent.rmdir()
        except OSError:
            return
