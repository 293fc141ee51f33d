"""Whose figures the agent reports, decided once at agent start from the environment.

- ``host``: psutil as is, the machine the agent runs on (today's behaviour outside containers).
- ``host-proc``: the agent runs in a container with the host's /proc mounted read-only and
  ``MONITOR_HOST_PROC`` naming it; psutil reads that /proc, so CPU, memory, load, processes and
  uptime are the host's.
- ``container``: the agent runs in a container without the host's /proc; CPU, memory and swap
  are the container's own, against its cgroup limits (collectors/cgroup.py).

Two variables decide, read from the environment when the agent starts (the project's settings
are not involved: samplers depend on nothing of the project):

- ``MONITOR_HOST_PROC``: path of the host's /proc inside the container, e.g. ``/host/proc``.
- ``MONITOR_CONTAINER``: ``true`` or ``false`` forces container or host mode; unset, the agent
  detects a container by ``/.dockerenv``, ``/run/.containerenv`` or PID 1 in a cgroup v1 path
  other than the root.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import psutil

HOST = "host"
HOST_PROC = "host-proc"
CONTAINER = "container"
MODES = (HOST, HOST_PROC, CONTAINER)

HOST_PROC_VARIABLE = "MONITOR_HOST_PROC"
CONTAINER_VARIABLE = "MONITOR_CONTAINER"

_YES = {"1", "true", "yes", "on"}
_NO = {"0", "false", "no", "off"}

# Files container runtimes create: Docker's and Podman's.
_RUNTIME_MARKERS = (".dockerenv", "run/.containerenv")
# Where systemd puts PID 1 on a host: not a sign of a container.
_HOST_INIT_CGROUPS = ("/", "/init.scope")


class SamplingModeError(ValueError):
    """The two variables ask for a mode this machine cannot give; the message names them."""


def sampling_mode(environ: Mapping[str, str], root: str | os.PathLike[str] = "/") -> str:
    """Return "host", "host-proc" or "container" for this environment; `root` is where the
    container markers and /proc/1/cgroup are looked up (the real / unless testing).

    Raises SamplingModeError naming the variable when MONITOR_HOST_PROC is not a mounted /proc, when
    MONITOR_CONTAINER is not a yes/no value, or when the two ask for opposite things.
    """
    host_proc = environ.get(HOST_PROC_VARIABLE, "").strip()
    forced = _forced_container(environ)
    if host_proc:
        if forced:
            raise SamplingModeError(
                f"{HOST_PROC_VARIABLE} (report the host) and {CONTAINER_VARIABLE}=true (report "
                "the container) contradict each other; unset one of them"
            )
        _check_proc(host_proc)
        return HOST_PROC
    if forced is not None:
        return CONTAINER if forced else HOST
    return CONTAINER if in_container(root) else HOST


def select_mode(environ: Mapping[str, str] | None = None) -> str:
    """sampling_mode() for this process, plus its one side effect: in host-proc mode psutil is
    pointed at the host's /proc (psutil.PROCFS_PATH) for the life of the process."""
    environ = os.environ if environ is None else environ
    mode = sampling_mode(environ)
    if mode == HOST_PROC:
        psutil.PROCFS_PATH = environ[HOST_PROC_VARIABLE].strip()
    return mode


def in_container(root: str | os.PathLike[str] = "/") -> bool:
    """True when a runtime marker file exists or PID 1 sits in a non-root cgroup v1 path."""
    root = Path(root)
    if any((root / marker).exists() for marker in _RUNTIME_MARKERS):
        return True
    try:
        lines = (root / "proc/1/cgroup").read_text().splitlines()
    except OSError:
        return False
    for line in lines:
        # "hierarchy-id:controllers:path"; id 0 is the v2 line, whose path says nothing when
        # the container has its own cgroup namespace.
        hierarchy, _, rest = line.partition(":")
        path = rest.partition(":")[2]
        if hierarchy != "0" and path and path not in _HOST_INIT_CGROUPS:
            return True
    return False


def _forced_container(environ: Mapping[str, str]) -> bool | None:
    value = environ.get(CONTAINER_VARIABLE, "").strip()
    if not value:
        return None
    if value.lower() in _YES:
        return True
    if value.lower() in _NO:
        return False
    raise SamplingModeError(
        f"{CONTAINER_VARIABLE}={value!r} is not a yes/no value (use true or false)"
    )


def _check_proc(value: str) -> None:
    path = Path(value)
    if not path.is_dir():
        raise SamplingModeError(
            f"{HOST_PROC_VARIABLE}={value!r} does not exist in this container; mount the host's "
            f"/proc there (-v /proc:{value}:ro) or unset {HOST_PROC_VARIABLE}"
        )
    if not (path / "stat").is_file():
        raise SamplingModeError(
            f"{HOST_PROC_VARIABLE}={value!r} is not a /proc (it has no 'stat'); mount the host's "
            f"/proc there (-v /proc:{value}:ro) or unset {HOST_PROC_VARIABLE}"
        )
