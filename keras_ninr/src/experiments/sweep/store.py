"""The results file of a sweep: JSON lines that several sweeps may share.

The results file is the sweep's memory: a rerun skips every run whose
`run_id` is already there, so a killed sweep resumes where it stopped, and
figures and tables (`keras_ninr.experiments.reports`) are made from it
without training. Each line is written whole in one call and synced to
disk; a last line cut short by a kill is ignored on reading and cut off
before the next append. Several sweeps may write one file at once: the file
is locked while a record is appended, and each run is claimed (a `flock`
the OS drops if the process dies) while it trains, so each run is trained
once. Non-finite numbers (the loss of a diverged run) are written as
`null`, so the file is strict JSON.
"""

import contextlib
import json
import os
import platform

try:
    import fcntl
except ImportError:  # Windows: results files are not locked.
    fcntl = None

from keras_ninr.src.experiments.sweep.checks import to_json


def append_record(path, record):
    """Append one record to a JSON-lines file, whole or not at all.

    The line goes out in a single write, is flushed and synced, so a kill
    leaves at most one unfinished last line, which `load_results` ignores
    and the next append cuts off. The file is locked meanwhile (see
    `run_sweep`), so that writers in other processes do not interleave.
    """
    with locked(os.fspath(path)) as f:
        append_line(f, record)


def load_results(path):
    """The records of a JSON-lines results file, in file order.

    A missing file has no records. A last line without its newline (a
    write cut short by a kill) is ignored. Any other line that is not a
    sweep record (a JSON object with a `run_id`, a `config`, ...) raises a
    `ValueError` naming the file and the line.
    """
    path = os.fspath(path)
    if not os.path.exists(path):
        return []
    with open(path, "rb") as f:
        content = f.read()
    # After the last newline: empty, or an unfinished line whose run is
    # redone.
    complete = content[: content.rfind(b"\n") + 1]
    return _parse_records(complete, path, first_line=1)


# What every record `run_sweep` has written holds, and the reports read.
_RECORD_FIELDS = {
    "run_id": str,
    "config": dict,
    "status": str,
    "epochs_run": int,
    "evaluations": dict,
    "timings": dict,
}
_RECORD_CONFIG_FIELDS = ("dataset", "architecture", "regularization")


def _parse_records(content, path, first_line):
    """The records of whole lines `content`, the first being `first_line`."""
    records = []
    for number, line in enumerate(
        content.split(b"\n")[:-1], start=first_line
    ):
        if not line.strip():
            continue
        try:
            record = json.loads(line.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as error:
            raise ValueError(
                f"{path}, line {number}: not a JSON record ({error}). Remove "
                "or repair the line; the sweep reruns the run it held."
            ) from error
        problem = _record_problem(record)
        if problem:
            raise ValueError(
                f"{path}, line {number}: not a sweep record ({problem}). "
                "Remove or repair the line; the sweep reruns the run it held."
            )
        records.append(record)
    return records


def _record_problem(record):
    """Why `record` is not a sweep record, or `None`."""
    if not isinstance(record, dict):
        return "a JSON object with a 'run_id' and a 'config' is expected"
    missing = [name for name in _RECORD_FIELDS if name not in record]
    if missing:
        return f"no {', '.join(repr(name) for name in missing)}"
    for name, kind in _RECORD_FIELDS.items():
        if not isinstance(record[name], kind) or isinstance(
            record[name], bool
        ):
            return f"{name!r} is not a {kind.__name__}: {record[name]!r}"
    missing = [
        name for name in _RECORD_CONFIG_FIELDS if name not in record["config"]
    ]
    if missing:
        return f"its 'config' has no {', '.join(repr(n) for n in missing)}"
    return None


@contextlib.contextmanager
def locked(path):
    """`path` open for reading and appending, locked against other writers.

    An exclusive `flock` on the file itself; the OS drops it when the file
    is closed or the process dies, so a killed sweep never leaves the file
    locked. Without `fcntl` (Windows) nothing is locked.
    """
    with open(path, "a+b") as f:
        if fcntl is not None:
            fcntl.flock(f.fileno(), fcntl.LOCK_EX)
        yield f


def append_line(f, record):
    """Append `record` to the locked file `f` as one whole, synced line."""
    line = json.dumps(to_json(record), allow_nan=False, sort_keys=True)
    cut_unfinished_line(f)
    f.write((line + "\n").encode("utf-8"))
    f.flush()
    os.fsync(f.fileno())


def cut_unfinished_line(f):
    """Remove an unfinished last line of `f`, so the next record starts one.

    Such a line is a write that a kill cut short; its run is redone.
    """
    size = f.seek(0, os.SEEK_END)
    if size == 0:
        return
    f.seek(size - 1)
    if f.read(1) == b"\n":
        return
    # Walk back to the last newline.
    position = size
    chunk = 4096
    keep = 0
    while position > 0:
        start = max(0, position - chunk)
        f.seek(start)
        block = f.read(position - start)
        index = block.rfind(b"\n")
        if index >= 0:
            keep = start + index + 1
            break
        position = start
    f.truncate(keep)
    f.flush()
    os.fsync(f.fileno())


def claim_path(results_path, run_id):
    """The claim file of `run_id` for the sweeps writing `results_path`."""
    return os.path.join(results_path + ".claims", run_id)


class ResultsFile:
    """A results file that several sweeps may write at once.

    Two things keep every run trained once, by one process:

    - the file itself is locked (`locked`) while a process reads which
      runs are done, claims runs, and appends a record;
    - a run is claimed by an exclusive, non-blocking `flock` on its claim
      file (`<results>.claims/<run_id>`), held while it trains. A process
      finds a run done (its record is in the file) or claimed (the lock
      is taken) and skips it. A record is appended before its claim is
      let go, so a run is never free and undone once trained. The OS lets
      go of the lock of a killed process, so its run is free again.

    `records` maps each `run_id` in the file to its first record; the
    file is read incrementally, from where the last read stopped.
    """

    def __init__(self, path):
        self.path = path
        self.records = {}
        self._offset = 0  # Bytes of whole lines read.
        self._lines = 0  # Lines read.

    def refresh(self, f):
        """Read the records appended to the locked file `f` since last read."""
        size = f.seek(0, os.SEEK_END)
        if size < self._offset:
            # Rewritten by hand while the sweep ran: read it anew.
            self.records, self._offset, self._lines = {}, 0, 0
        f.seek(self._offset)
        content = f.read(size - self._offset)
        content = content[: content.rfind(b"\n") + 1]
        for record in _parse_records(content, self.path, self._lines + 1):
            # A run twice (two sweeps before the file was locked): the
            # first record is the one that made it done.
            self.records.setdefault(record["run_id"], record)
        self._offset += len(content)
        self._lines += content.count(b"\n")

    def claim(self, run_id):
        """An open claim on `run_id`, or `None` if a live process holds it."""
        if fcntl is None:
            return _NoClaim()
        path = claim_path(self.path, run_id)
        while True:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            try:
                f = open(path, "a+b")
            except FileNotFoundError:  # The folder went away meanwhile.
                continue
            try:
                fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                f.close()
                return None
            # The holder removes the file when it lets go (`release`): a
            # lock on a file removed since it was opened guards nothing.
            try:
                current = os.path.samestat(os.fstat(f.fileno()), os.stat(path))
            except FileNotFoundError:
                current = False
            if current:
                # For a person wondering which process holds the run.
                f.truncate(0)
                f.write(f"pid {os.getpid()} on {platform.node()}\n".encode())
                f.flush()
                return f
            f.close()

    def release(self, claim):
        """Let go of a claim, trained or not."""
        if isinstance(claim, _NoClaim):
            return
        try:
            os.unlink(claim.name)
        except FileNotFoundError:
            pass
        claim.close()

    def remove_claims_folder(self):
        """Remove the claims folder once no process holds a claim in it."""
        try:
            os.rmdir(self.path + ".claims")
        except OSError:  # Absent, or claims remain (other sweeps).
            pass


class _NoClaim:
    """A claim where runs cannot be locked (no `fcntl`): one writer only."""
