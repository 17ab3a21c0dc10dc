"""One attempt at a period's report: its run folder, its ``run.json``, and what is left when it ends.

Every attempt works in ``<out>/_runs/<period>/<run id>/``, which is kept: the
executed notebook there (with papermill's error banner when a cell failed) is
the debug log. ``run.json`` says how the attempt ended (``published``,
``failed`` or ``interrupted``); whatever ends it, the staging copy of the
report (``publish/``) and the kernel's connection file (which holds the
kernel's HMAC key) are removed. A process killed outright (SIGKILL) can run no
code: its ``run.json`` still says ``running``; the next run of the period,
holding the period's lock, marks it ``abandoned`` and removes what it left
(:func:`abandon_stale_attempts`).
"""

from __future__ import annotations

import errno
import shutil
import tempfile
import uuid
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

from custlab import io
from custlab.exceptions import CustlabError, SetupError


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class RunAttempt:
    """The run folder of one attempt and its manifest (``run.json``).

    Attributes
    ----------
    folder : Path
        ``<out>/_runs/<label>/<run id>/``.
    staging : Path
        ``folder/publish``: the report being assembled, renamed into place on success.
    results : Path
        ``folder/results``: the saved analysis the notebook reads.
    kernel_dir : Path or None
        A private temporary folder for the notebook kernel's connection file.
    manifest : dict
        What ``run.json`` holds.
    """

    def __init__(self, runs: Path, label: str, manifest: dict):
        run_id = f"{datetime.now(timezone.utc):%Y%m%dT%H%M%S%fZ}-{uuid.uuid4().hex[:6]}"
        self.folder = runs / label / run_id
        self.staging = self.folder / "publish"
        self.results = self.folder / "results"
        self.kernel_dir: Path | None = None
        self.manifest = {"run_id": run_id, "status": "running", **manifest, "started": _now(),
                         "run_folder": f"_runs/{label}/{run_id}"}  # fmt: skip
        try:
            self.staging.mkdir(parents=True)
            self.save()
        except OSError as exc:
            raise SetupError.from_os_error(exc, "starting the run") from None

    def save(self) -> None:
        """Write ``run.json`` in the run folder."""
        io.write_json(self.folder / "run.json", self.manifest)

    @contextmanager
    def kernel_config(self):
        """A Jupyter config that puts the kernel's connection file (it holds the kernel's HMAC
        key) in a private temporary folder, removed after the block whatever happened.

        Without it jupyter_client writes the file to the system's temporary folder
        and a runner stopped mid-notebook leaves it there.
        """
        from traitlets.config import Config

        self.kernel_dir = Path(tempfile.mkdtemp(prefix="custlab-kernel-"))
        self.manifest["kernel_dir"] = str(self.kernel_dir)
        self.save()
        try:
            yield Config({"KernelManager": {"connection_file": str(self.kernel_dir / "kernel.json")}})
        finally:
            self._remove_kernel_dir()

    def _remove_kernel_dir(self) -> None:
        if self.kernel_dir is not None:
            shutil.rmtree(self.kernel_dir, ignore_errors=True)
            self.kernel_dir = None
            self.manifest.pop("kernel_dir", None)

    def end(self, status: str, error: str = "") -> None:
        """Record how the attempt ended and remove what it no longer needs."""
        self._remove_kernel_dir()
        shutil.rmtree(self.staging, ignore_errors=True)
        self.manifest.update(status=status, finished=_now())
        if error:
            self.manifest["error"] = error
        try:
            self.save()
        except OSError:
            pass  # a full or read-only disk: the error that ended the run says so

    def __enter__(self) -> RunAttempt:
        return self

    def __exit__(self, kind, exc, traceback) -> None:
        """Record a failed or interrupted attempt; turn the machine's ``OSError`` into a one-line setup error."""
        if exc is None:
            return
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            self.end("interrupted", "stopped by a signal or an interrupt")
            return
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        self.end("failed", first)
        if isinstance(exc, OSError) and not isinstance(exc, CustlabError):
            raise SetupError.from_os_error(exc, "writing the report") from None


def abandon_stale_attempts(runs_of_period: Path) -> list[str]:
    """Mark attempts still ``running`` as ``abandoned`` and remove what they left (the staging
    copy, the kernel's connection file). Called only by the holder of the period's lock, so
    no attempt of the period is alive. Returns the run ids marked."""
    marked = []
    for run_json in sorted(runs_of_period.glob("*/run.json")):
        try:
            manifest = io.read_json(run_json)
        except (OSError, ValueError):
            continue
        if manifest.get("status") != "running":
            continue
        shutil.rmtree(run_json.parent / "publish", ignore_errors=True)
        if manifest.get("kernel_dir"):
            shutil.rmtree(manifest.pop("kernel_dir"), ignore_errors=True)
        manifest.update(status="abandoned", abandoned=_now(),
                        error="the run ended without a word (killed?); marked by the next run of the period")  # fmt: skip
        io.write_json(run_json, manifest)
        marked.append(manifest.get("run_id", run_json.parent.name))
    return marked


def writable_folder(path: Path) -> Path:
    """``path`` resolved and created, or a one-line :class:`SetupError` saying why it cannot be written.

    Raises
    ------
    SetupError
        A file where the folder should be, no permission, a read-only or full disk.
    """
    path = Path(path).resolve()
    if path.exists() and not path.is_dir():
        raise SetupError(f"{path}: is a file, not a folder; --out needs a folder")
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = tempfile.NamedTemporaryFile(dir=path, prefix=".custlab-write-test-", delete=True)
        probe.close()
    except OSError as exc:
        if exc.errno == errno.ENOTDIR:
            raise SetupError(f"{path}: a part of this path is a file, not a folder") from None
        raise SetupError.from_os_error(exc, "writing the report") from None
    return path
