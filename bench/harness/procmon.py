"""Runs a tool's processes and measures them: wall time, CPU time of the
children, and peak resident memory of the whole process tree."""

import os
import resource
import signal
import subprocess
import threading
import time
from collections import namedtuple

PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")

# Reading every /proc/PID/stat to find new descendants costs milliseconds
# with ~150 processes; doing it every sample would steal a noticeable share
# of a core from the tools being measured, so the tree is rediscovered only
# every RESCAN_EVERY samples and the known members are read every sample.
SAMPLE_INTERVAL_S = 0.02
RESCAN_EVERY = 10

JobResult = namedtuple(
    "JobResult",
    "ok wall_s user_s sys_s peak_rss_bytes rss_samples returncodes timed_out error",
)


def _parent_map():
    parents = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry, "rb") as f:
                stat = f.read()
        except OSError:
            continue
        # Field 4 (ppid) follows the command name, which may hold spaces and
        # parentheses: split after the last ')'.
        fields = stat[stat.rfind(b")") + 2 :].split()
        parents[int(entry)] = int(fields[1])
    return parents


def _descendants(roots):
    children = {}
    for pid, ppid in _parent_map().items():
        children.setdefault(ppid, []).append(pid)
    found, stack = set(), list(roots)
    while stack:
        pid = stack.pop()
        if pid in found:
            continue
        found.add(pid)
        stack.extend(children.get(pid, ()))
    return found


def _rss_bytes(pid):
    try:
        with open("/proc/%d/statm" % pid, "rb") as f:
            return int(f.read().split()[1]) * PAGE_SIZE
    except (OSError, IndexError, ValueError):
        return 0


class TreeSampler(threading.Thread):
    """Samples the summed RSS of a set of root processes and all their
    descendants every SAMPLE_INTERVAL_S; peak is the largest sum seen."""

    def __init__(self):
        super().__init__(daemon=True)
        self._roots = set()
        self._lock = threading.Lock()
        self._stop_event = threading.Event()
        self.peak = 0
        self.samples = 0

    def add_root(self, pid):
        with self._lock:
            self._roots.add(pid)

    def remove_root(self, pid):
        with self._lock:
            self._roots.discard(pid)

    def run(self):
        members = set()
        tick = 0
        while not self._stop_event.is_set():
            with self._lock:
                roots = set(self._roots)
            if tick % RESCAN_EVERY == 0:
                members = _descendants(roots)
            else:
                members |= roots
            total = sum(_rss_bytes(pid) for pid in members)
            self.peak = max(self.peak, total)
            self.samples += 1
            tick += 1
            self._stop_event.wait(SAMPLE_INTERVAL_S)

    def stop(self):
        self._stop_event.set()
        self.join()


def kill_group(proc):
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except OSError:
        pass


def run_job(argvs, concurrency=1, env=None, timeout_s=600, log_path=None, cwd=None):
    """Runs every argv of argvs, at most concurrency at a time, and measures
    the whole: wall time from the first start to the last exit, user and
    system CPU of all children (getrusage(RUSAGE_CHILDREN) deltas, which
    include their own waited-for descendants), peak summed RSS.

    The harness must have no other child processes running meanwhile.
    Never raises for a failing tool: ok is False and error says why."""
    log = open(log_path, "ab") if log_path else subprocess.DEVNULL
    pending = list(argvs)
    running = {}
    returncodes = []
    error = None
    timed_out = False
    sampler = TreeSampler()
    sampler.start()
    usage0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    deadline = start + timeout_s
    try:
        while pending or running:
            while pending and len(running) < concurrency:
                argv = pending.pop(0)
                try:
                    proc = subprocess.Popen(
                        argv,
                        env=env,
                        cwd=cwd,
                        stdin=subprocess.DEVNULL,
                        stdout=log,
                        stderr=log,
                        start_new_session=True,
                    )
                except OSError as e:
                    error = "cannot start %s: %s" % (argv[0], e)
                    returncodes.append(None)
                    pending = []
                    break
                running[proc.pid] = proc
                sampler.add_root(proc.pid)
            if not running:
                break
            pid, status = _wait_any(running, deadline)
            if pid is None:
                timed_out = True
                error = "timed out after %.0f s" % timeout_s
                for proc in running.values():
                    kill_group(proc)
                for proc in running.values():
                    proc.wait()
                    returncodes.append(proc.returncode)
                running.clear()
                pending = []
                break
            proc = running.pop(pid)
            proc.returncode = os.waitstatus_to_exitcode(status)
            sampler.remove_root(pid)
            returncodes.append(proc.returncode)
        wall = time.perf_counter() - start
    finally:
        # Interrupted (Ctrl-C reaches only the harness: the tools run in
        # sessions of their own): leave no tool running behind.
        for proc in running.values():
            kill_group(proc)
            proc.wait()
        sampler.stop()
        if log is not subprocess.DEVNULL:
            log.close()
    usage1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    failed = [rc for rc in returncodes if rc != 0]
    if failed and not error:
        error = "%d of %d processes failed (exit status %s)" % (
            len(failed),
            len(returncodes),
            ", ".join(sorted({str(rc) for rc in failed})),
        )
    return JobResult(
        ok=error is None,
        wall_s=wall,
        user_s=usage1.ru_utime - usage0.ru_utime,
        sys_s=usage1.ru_stime - usage0.ru_stime,
        peak_rss_bytes=sampler.peak,
        rss_samples=sampler.samples,
        returncodes=returncodes,
        timed_out=timed_out,
        error=error,
    )


def _wait_any(running, deadline):
    """Reaps one of running; (None, None) once deadline has passed.  Polls
    with WNOHANG so that a hung tool cannot hang the harness."""
    delay = 0.0005
    while True:
        for pid in list(running):
            try:
                got, status = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                return pid, 0
            if got:
                return got, status
        if time.perf_counter() > deadline:
            return None, None
        time.sleep(delay)
        delay = min(delay * 2, 0.005)


def time_to_file(argv, paths, env=None, timeout_s=60, log_path=None):
    """Starts argv and returns (seconds from just before the start until the
    first of paths exists, exit status).  Polls every 0.5 ms; the files are
    written atomically (renamed into place), so existing means complete."""
    log = open(log_path, "ab") if log_path else subprocess.DEVNULL
    first = None
    proc = None
    try:
        start = time.perf_counter()
        proc = subprocess.Popen(
            argv,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
        deadline = start + timeout_s
        while first is None and time.perf_counter() < deadline:
            if any(os.path.exists(p) for p in paths):
                first = time.perf_counter() - start
                break
            if proc.poll() is not None:
                # Exited: one last look, the file may have appeared meanwhile.
                if any(os.path.exists(p) for p in paths):
                    first = time.perf_counter() - start
                break
            time.sleep(0.0005)
        try:
            proc.wait(timeout=max(1.0, deadline - time.perf_counter()))
        except subprocess.TimeoutExpired:
            kill_group(proc)
            proc.wait()
        return first, proc.returncode
    except BaseException:
        if proc is not None and proc.returncode is None:
            kill_group(proc)
            proc.wait()
        raise
    finally:
        if log is not subprocess.DEVNULL:
            log.close()
