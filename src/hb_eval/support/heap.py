"""Give freed heap memory back to the operating system."""
from __future__ import annotations


def return_freed_memory() -> None:
    """Return the C heap's free pages to the system (glibc's ``malloc_trim``).

    glibc keeps blocks a process has freed in its heap, so a process's resident memory stays
    at its largest step's: after the 100,000-client load it held 1.5 GiB for 0.5 GiB of tables,
    and an outcome worker stayed at its largest outcome's designs. Called where a large step
    ends (the load, scoring and each analysis stage, each outcome in a worker), so the
    processes forked later (the side stages, the figures) start from less. Values are
    untouched; elsewhere than glibc nothing happens.
    """
    try:
        import ctypes

        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):  # pragma: no cover - not glibc
        pass
