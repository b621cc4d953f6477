#!/usr/bin/env python3
"""make bench: memlock files against vmtouch 1.3.1 and util-linux fincore.

Prints markdown for docs/BENCHMARKS.md (medians). Every pair runs in this
one run, on the same files, alternating round by round, after a warm-up; warm means the files are in
the page cache, cold means they were dropped (POSIX_FADV_DONTNEED) first.
  scripts/bench-files.py MEMLOCK [--million]
Lock timings are "until every page is locked": each tool runs in the
foreground (memlock files --lock, vmtouch -l) and the time is taken when
the VmLck of its processes (memlock's helper processes included) reaches
the files' size in pages; a tool that stops short (vmtouch past
vm.max_map_count) is reported with what it locked, once its VmLck has not
grown for 2 s. The holder is ended before the next run.
"""
import os, resource, shutil, signal, statistics, subprocess, sys, tempfile, time

MEMLOCK = os.path.abspath(sys.argv[1])
MILLION = "--million" in sys.argv
RUNS = int(os.environ.get("MEMLOCK_BENCH_RUNS", "7"))


def make_tree(top, n, size=1, per_dir=1000):
    for d in range((n + per_dir - 1) // per_dir):
        p = os.path.join(top, "d%04d" % d)
        os.makedirs(p, exist_ok=True)
        for i in range(min(per_dir, n - d * per_dir)):
            with open(os.path.join(p, str(i)), "wb") as f:
                f.write(b"x" * size)


def drop(top):
    for root, _, files in os.walk(top):
        for name in files:
            fd = os.open(os.path.join(root, name), os.O_RDONLY)
            os.fsync(fd)
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            os.close(fd)


def warm(top):
    subprocess.run(["vmtouch", "-t", "-q", top], check=True)


def interleaved(named):
    """Each command once a round, in turn, for a warm-up round and RUNS more:
    a neighbour's load (a shared machine) hits them all alike. Wall and CPU
    (user + system, of the command and its children) seconds."""
    wall = {name: [] for name, _ in named}
    cpu = {name: [] for name, _ in named}
    for r in range(RUNS + 1):
        for name, cmd in named:
            ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
            t0 = time.monotonic()
            subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
            t1 = time.monotonic()
            ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
            if r:
                wall[name].append(t1 - t0)
                cpu[name].append(ru1.ru_utime + ru1.ru_stime - ru0.ru_utime - ru0.ru_stime)
    return [(name, wall[name], cpu[name]) for name, _ in named]


def median_table(title, rows):
    m = statistics.median
    print("### " + title)
    print()
    print("| Command | Median [s] | Min [s] | Max [s] | CPU median [s] | Relative (median) "
          "| Relative (CPU) |")
    print("|:---|---:|---:|---:|---:|---:|---:|")
    base, cbase = m(rows[0][1]), m(rows[0][2])
    for name, t, c in rows:
        print("| %s | %.3f | %.3f | %.3f | %.3f | %.2f | %.2f |" % (
            name, m(t), min(t), max(t), m(c), m(t) / base, m(c) / cbase))
    print()


def end_daemon(pidfile):  # the million-file run's holder
    def kill():
        try:
            pid = int(open(pidfile).read().split()[0])
        except (OSError, ValueError, IndexError):
            return
        os.kill(pid, signal.SIGTERM)
        while os.path.exists("/proc/%d" % pid):
            time.sleep(0.01)
        if os.path.exists(pidfile):
            os.unlink(pidfile)
    return kill


def row(name, t, base):
    m = statistics.median(t)
    sd = statistics.stdev(t) if len(t) > 1 else 0
    rel = "%.2f" % (m / base) if base else "1.00"
    return "| %s | %.3f ± %.3f | %.3f | %.3f | %s |" % (name, m, sd, min(t), max(t), rel)


def table(title, rows):
    print("### " + title)
    print()
    print("| Command | Median [s] | Min [s] | Max [s] | Relative to the first |")
    print("|:---|---:|---:|---:|---:|")
    base = statistics.median(rows[0][1])
    for name, t in rows:
        print(row(name, t, base))
    print()


def descendants(pid):
    """pid and every process under it (memlock's helpers are its grandchildren)"""
    found = [pid]
    for p in found:
        try:
            found += [int(c) for c in open("/proc/%d/task/%d/children" % (p, p)).read().split()]
        except OSError:
            pass
    return found


def vmlck_kb(pid, field="VmLck:", where="status"):
    total = 0
    for p in descendants(pid):
        try:
            for line in open("/proc/%d/%s" % (p, where)):
                if line.startswith(field):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total


def until_locked(cmd, want_kb, resident):
    """Seconds until cmd's processes have want_kb locked, and the kB locked:
    VmLck (the locked mappings' size) for many small files, each locked whole
    by one call; Locked of smaps_rollup (locked pages in memory) for a big
    file, whose VmLck is all there as soon as mlock(2) starts."""
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    last, last_t = -1, t0
    while True:
        kb = vmlck_kb(p.pid, "Locked:", "smaps_rollup") if resident else vmlck_kb(p.pid)
        now = time.monotonic()
        if kb >= want_kb:
            break
        if kb != last:
            last, last_t = kb, now
        elif now - last_t > 2 or p.poll() is not None:
            now = last_t  # stopped short: the time it stopped growing
            break
        time.sleep(0.002)
    p.send_signal(signal.SIGTERM)
    p.wait()
    return now - t0, kb


def lock_pair(title, top, want_kb, setup=None, resident=False):
    """The two tools alternate, round by round (a machine whose load changes
    affects both alike); the first round is a warm-up."""
    cmds = [[MEMLOCK, "files", "--lock", "-R", top], ["vmtouch", "-q", "-l", top]]
    times, got = [[], []], [[], []]
    for r in range(RUNS + 1):
        for i, cmd in enumerate(cmds):
            if setup:
                setup()
            t, kb = until_locked(cmd, want_kb, resident)
            if r:
                times[i].append(t)
                got[i].append(kb)
    note = lambda kb: "" if kb >= want_kb else " (stopped at %d of %d kB)" % (kb, want_kb)
    table(title, [("memlock files --lock -R" + note(min(got[0])), times[0]),
                  ("vmtouch -l" + note(min(got[1])), times[1])])


def main():
    tmp = tempfile.mkdtemp(prefix="memlock-bench-files.")
    try:
        vm = subprocess.run(["vmtouch", "-h"], capture_output=True, text=True)
        vmv = next((w for w in (vm.stdout + vm.stderr).split() if w.startswith("v1.")), "?")
        fc = subprocess.run(["fincore", "--version"], capture_output=True, text=True).stdout
        print("## memlock files vs vmtouch %s and fincore (util-linux %s)" % (vmv, fc.split()[-1]))
        print()
        print("- date: %s, kernel %s, %d CPUs" % (time.strftime("%Y-%m-%d", time.gmtime()),
                                              os.uname().release, os.cpu_count()))
        print("- command: make bench (scripts/bench-files.py), %d runs after a warm-up, each "
              "pair alternating on the same files" % RUNS)
        print()
        for n in (20000, 100000):
            top = os.path.join(tmp, "t%d" % n)
            make_tree(top, n)
            warm(top)
            lock_pair("lock %d one-byte files, warm (until every page is locked)" % n, top,
                      n * os.sysconf("SC_PAGESIZE") // 1024)
            if n == 100000:
                listing = os.path.join(tmp, "list")
                median_table("residency of 100000 files, warm (interleaved rounds)", interleaved([
                    ("memlock files -R --summary", [MEMLOCK, "files", "-R", "--summary", top]),
                    ("memlock files -R -r", [MEMLOCK, "files", "-R", "-r", top]),
                    ("vmtouch (summary)", ["vmtouch", top]),
                    ("find -type f \\| xargs fincore",
                     ["sh", "-c", "find '%s' -type f -print0 | xargs -0 fincore -r" % top]),
                ]))
            shutil.rmtree(top)
        big = os.path.join(tmp, "big")
        os.makedirs(big)
        with open(os.path.join(big, "1g"), "wb") as f:
            for _ in range(1024):
                f.write(os.urandom(1 << 20))
        lock_pair("lock a 1 GiB file, warm", big, 1 << 20, resident=True)
        lock_pair("lock a 1 GiB file, cold (dropped before each run)", big, 1 << 20,
                  setup=lambda: drop(big), resident=True)
        shutil.rmtree(big)
        if MILLION:
            top = os.path.join(tmp, "m")
            make_tree(top, 1000000)
            warm(top)
            pm = os.path.join(tmp, "m.pid")
            t0 = time.monotonic()
            subprocess.run([MEMLOCK, "files", "--lock", "--daemon", "--pidfile", pm, "-R", top],
                           stdout=subprocess.DEVNULL, check=True)
            t = time.monotonic() - t0
            pid = int(open(pm).read())
            anon = 0
            kids = descendants(pid)
            for p in kids:
                for line in open("/proc/%d/status" % p):
                    if line.startswith("RssAnon:"):
                        anon += int(line.split()[1]) * 1024
            print("### 1,000,000 one-byte files")
            print()
            print("- locked in %.1f s by %d processes; their anonymous memory (RssAnon, "
                  "beyond the locked page cache): %d bytes, %.1f bytes per file" % (
                      t, len(kids), anon, anon / 1e6))
            print()
            end_daemon(pm)()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


main()
