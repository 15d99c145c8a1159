"""What the local services need from the machine: Debian packages, a service user, private folders.

Servers such as PostgreSQL and Elasticsearch refuse to run as root, and CI runs as
root, so when we are root each server runs as an unprivileged user (``setpriv``),
in folders that user owns.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

FALLBACK_SERVICE_USER = "nobody"


class StackError(RuntimeError):
    """A local service could not be provided; the message says what to install or set."""


def is_root() -> bool:
    return os.geteuid() == 0


def install_debian_packages(packages: Sequence[str], why: str) -> None:
    """Install ``packages`` with apt-get, saying first what and why; only as root on Debian.

    :param packages: Debian package names.
    :param why: what they are needed for, shown before installing.
    :raises StackError: when not root, without apt-get, or when the install fails.
    """
    names = " ".join(packages)
    if not is_root() or shutil.which("apt-get") is None:
        raise StackError(f"{why} needs {names}; install it (e.g. 'sudo apt-get install {names}')")
    print(f"Installing {names} from Debian: {why}.", file=sys.stderr, flush=True)
    environment = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update", "-q"], ["apt-get", "install", "-y", "-q", *packages]):
        done = subprocess.run(command, env=environment, stdout=subprocess.DEVNULL, check=False)
        if done.returncode != 0:
            raise StackError(f"'{' '.join(command)}' failed ({done.returncode}); {why} needs {names}")


def service_user(preferred: str) -> pwd.struct_passwd | None:
    """The user a server runs as: ``None`` (ourselves) unless we are root.

    :param preferred: the user to run as when root and it exists (e.g. ``postgres``).
    """
    if not is_root():
        return None
    for name in (preferred, FALLBACK_SERVICE_USER):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    raise StackError(f"running as root, and neither user {preferred!r} nor {FALLBACK_SERVICE_USER!r} exists")


def as_user(command: Sequence[str | Path], user: pwd.struct_passwd | None) -> list[str]:
    """``command`` run as ``user`` (through ``setpriv``), or as it is when ``user`` is ``None``."""
    argv = [str(part) for part in command]
    if user is None:
        return argv
    setpriv = ["setpriv", f"--reuid={user.pw_uid}", f"--regid={user.pw_gid}", "--clear-groups"]
    return [*setpriv, *argv]


def private_dir(prefix: str, user: pwd.struct_passwd | None) -> Path:
    """A new folder under the system temp dir that ``user`` owns (pytest's own are root-only)."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    if user is not None:
        os.chown(path, user.pw_uid, user.pw_gid)
    return path
