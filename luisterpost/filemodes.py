"""Who may read the files Luisterpost writes (docs/operations.md, *Sleutels en bestanden*).

The database, its write-ahead log and the pseudonym key are their owner's only; so are exports (rows with
post texts). Reports (figures and pseudonymised examples, meant to be passed round the organisation) may
also be read by the owner's group."""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path

from .errors import UserError

OWNER_ONLY = 0o600
REPORT = 0o640
REPORT_FOLDER = 0o750  # a folder made for reports: the group may open it to read them
# Group and others lose every permission on files this process creates once `keep_private` ran.
PRIVATE_UMASK = 0o077


def keep_private() -> None:
    """Make every file this process creates from now on unreadable for group and others (umask 077 or
    stricter). Process-wide on purpose: DuckDB creates the write-ahead log and spill files long after the
    database was opened."""
    # Set first, then add back what the old umask held beyond it: the umask is never looser than 077 for
    # another thread creating a file in between.
    old = os.umask(PRIVATE_UMASK)
    if old & ~PRIVATE_UMASK:
        os.umask(old | PRIVATE_UMASK)


def owner_only(path: Path) -> None:
    """Take group and other permissions off `path` when it has any (nothing when it does not exist).
    UserError naming the file when its mode cannot be changed (another account owns it)."""
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        return
    if mode & PRIVATE_UMASK:
        try:
            path.chmod(mode & ~PRIVATE_UMASK)
        except OSError as exc:
            raise UserError(f"{path}: readable by others (mode {mode:o}) and its mode cannot be changed "
                            f"({exc.strerror}): let its owner run `chmod go= {path}`") from None


def set_mode(path: Path, mode: int) -> Path:
    """Give the file at `path` exactly `mode` (an output's chosen mode, whatever the umask); return the path."""
    path.chmod(mode)
    return path


def report_folder(folder: Path) -> Path:
    """Make `folder` when missing, with mode REPORT_FOLDER (an existing folder keeps its mode); return it."""
    if not folder.is_dir():
        folder.mkdir(parents=True, exist_ok=True)
        folder.chmod(REPORT_FOLDER)
    return folder


def create_private(path: Path, data: bytes) -> bool:
    """Write `data` as the new file `path`, readable by its owner only from the first instant, all or nothing.

    Written to a temporary file beside it (created exclusively, mode 600), flushed to disk, then put in place
    in one step. Returns False, leaving `path` as it was, when `path` existed already (another process made
    it first). OSError (a full disk, a read-only folder) leaves neither `path` nor the temporary file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.part")
    try:
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, OWNER_ONLY)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            os.fsync(fd)
        finally:
            os.close(fd)
        try:
            # A hard link puts the file in place only if the name is free: two first runs at once keep one key.
            os.link(temp, path)
        except FileExistsError:
            return False
        except OSError:
            os.replace(temp, path)  # a file system without hard links
        _sync_folder(path.parent)
        return True
    finally:
        temp.unlink(missing_ok=True)


def _sync_folder(folder: Path) -> None:
    """Flush the folder's entry for a new file to disk (so a crash cannot lose the name); best effort."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # not every file system syncs a folder
    finally:
        os.close(fd)
