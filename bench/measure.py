#!/usr/bin/env python3
"""measure.py [--runs N] -- CMD...: run CMD N times (stdout discarded) and
print the best and median wall time and the peak RSS of the child."""
import os, resource, statistics, subprocess, sys, time

def main():
    args = sys.argv[1:]
    runs = 5
    if args[:1] == ["--runs"]:
        runs = int(args[1]); args = args[2:]
    if args[:1] == ["--"]:
        args = args[1:]
    times, rss = [], 0
    for _ in range(runs):
        t0 = time.monotonic()
        pid = os.fork()
        if pid == 0:
            fd = os.open(os.devnull, os.O_WRONLY)
            os.dup2(fd, 1)
            os.execvp(args[0], args)
        _, status, ru = os.wait4(pid, 0)
        times.append(time.monotonic() - t0)
        rss = max(rss, ru.ru_maxrss)
        if os.waitstatus_to_exitcode(status) != 0:
            print("command failed: %s" % " ".join(args), file=sys.stderr)
            sys.exit(1)
    print("best %.3f s  median %.3f s  peak RSS %.1f MB" %
          (min(times), statistics.median(times), rss / 1024.0))

main()
