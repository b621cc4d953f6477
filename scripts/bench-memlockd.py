#!/usr/bin/env python3
"""make bench: memlockd's exec-to-lock latency and idle CPU (issue 12).

Prints markdown for docs/BENCHMARKS.md.
  scripts/bench-memlockd.py BUILD_DIR
Latency: a program whose name only the benchmark's rule selects is started
(fork + exec by subprocess) RUNS times; the time is from just before the
start to the first VmLck above 0 in its /proc status (read every 0.5 ms),
with the process events connector and with --poll (poll interval=100 and
the default 1000 ms). Idle CPU: with 1,000 extra sleep processes running
and a rule that matches none of them, the utime + stime of memlockd's
worker over 10 s.
"""
import os, random, shutil, signal, statistics, subprocess, sys, tempfile, time

B = os.path.abspath(sys.argv[1])
RUNS = int(os.environ.get("MEMLOCK_BENCH_RUNS", "30"))
TICK = os.sysconf("SC_CLK_TCK")


def vmlck(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmLck:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def daemon(tmp, conf, *opts):
    path = os.path.join(tmp, "memlockd.conf")
    with open(path, "w") as f:
        f.write(conf)
    log = open(os.path.join(tmp, "log"), "w")
    d = subprocess.Popen([B + "/memlockd", "-c", path, "--socket",
                          os.path.join(tmp, "sock"), *opts], stderr=log)
    for _ in range(1000):
        with open(os.path.join(tmp, "log")) as f:
            if "started" in f.read():
                break
        time.sleep(0.01)
    time.sleep(0.5)  # (the initial scan)
    return d


def stop(d):
    d.send_signal(signal.SIGTERM)
    d.wait()


def latency(tmp, prog, jitter, *opts, conf_extra=""):
    d = daemon(tmp, "process comm=%s\n%s" % (os.path.basename(prog), conf_extra), *opts)
    times = []
    for _ in range(RUNS):
        # a start at a random phase of the poll, not right after the last lock
        time.sleep(random.random() * jitter)
        t0 = time.monotonic()
        p = subprocess.Popen([prog], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL)
        while vmlck(p.pid) == 0 and time.monotonic() - t0 < 5:
            time.sleep(0.0005)
        times.append((time.monotonic() - t0) * 1000)
        p.stdin.close()
        p.wait()
    stop(d)
    return statistics.median(times), min(times), max(times)


def worker_cpu(d, seconds):
    kids = open("/proc/%d/task/%d/children" % (d.pid, d.pid)).read().split()
    pid = int(kids[0]) if kids else d.pid

    def ticks():
        f = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()
        return int(f[11]) + int(f[12])
    t = ticks()
    time.sleep(seconds)
    return (ticks() - t) / TICK


def main():
    tmp = tempfile.mkdtemp(prefix="memlockd-bench.")
    prog = os.path.join(tmp, "mlkdbench")
    shutil.copy(B + "/helpers/workers", prog)
    print("## memlockd: exec-to-lock latency, idle CPU (issue 12's goals: median <= 50 ms with")
    print("the connector, idle CPU ~0)")
    print()
    print("- date: %s, kernel %s, %d CPUs, load average %s" % (
        time.strftime("%Y-%m-%d", time.gmtime()), os.uname().release, os.cpu_count(),
        open("/proc/loadavg").read().split()[0]))
    print("- command: make bench (scripts/bench-memlockd.py), %d starts a row" % RUNS)
    print()
    print("| mode | median | min | max |")
    print("|---|---|---|---|")
    for name, jitter, opts, extra in (
            ("process events connector", 0.1, (), ""),
            ("--poll, interval=100", 0.1, ("--poll",), "poll interval=100\n"),
            ("--poll, interval=1000 (default)", 1.0, ("--poll",), "")):
        med, lo, hi = latency(tmp, prog, jitter, *opts, conf_extra=extra)
        print("| %s | %.1f ms | %.1f ms | %.1f ms |" % (name, med, lo, hi))
    print()
    sleeps = [subprocess.Popen(["sleep", "600"]) for _ in range(1000)]
    try:
        print("| idle, 1,000 extra processes, no match | worker CPU over 10 s |")
        print("|---|---|")
        for name, opts, extra in (("connector", (), ""), ("--poll, interval=1000", ("--poll",), "")):
            d = daemon(tmp, "process comm=nomatch-at-all\n" + extra, *opts)
            print("| %s | %.2f s |" % (name, worker_cpu(d, 10)))
            stop(d)
    finally:
        for s in sleeps:
            s.kill()
        for s in sleeps:
            s.wait()
        shutil.rmtree(tmp)


main()
