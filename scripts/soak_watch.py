#!/usr/bin/env python3
"""Soak test of `logtriage watch` following a file that is rotated every minute.

usage: scripts/soak_watch.py [--minutes 30] [--rate 2000] [--rotate-secs 60] [--copytruncate-every 3]
       [--bin target/release/logtriage]

A writer appends JSON lines to DIR/app.log at --rate lines/s and every 60 s rotates it the way
logrotate does (rename to app.log.N, new app.log; every third rotation copytruncate instead).
`watch app.log --every 5s -f json` follows it. At the end the writer stops, watch is given a
few polls to catch up and is interrupted; its final summary must count exactly the lines
written (none lost, none twice), per level too. watch's RSS is sampled every 10 s from
/proc; the script prints the samples' range and exits 1 on any loss, duplicate or growth of
more than 20 MiB between the first and the last quarter of the run.
"""
import argparse, json, os, shutil, signal, subprocess, sys, tempfile, threading, time

def rss_kib(pid):
    try:
        for line in open(f"/proc/{pid}/status"):
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--minutes", type=float, default=30)
    ap.add_argument("--rate", type=int, default=2000)
    ap.add_argument("--bin", default="target/release/logtriage")
    ap.add_argument("--rotate-secs", type=float, default=60)
    ap.add_argument("--copytruncate-every", type=int, default=3, help="every N-th rotation is a copytruncate")
    args = ap.parse_args()
    d = tempfile.mkdtemp(prefix="soak-")
    log = os.path.join(d, "app.log")
    open(log, "w").close()
    watch = subprocess.Popen([args.bin, "watch", log, "--every", "5s", "-f", "json", "--top", "5"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    summaries = []
    def read():
        for line in watch.stdout:
            v = json.loads(line)
            if v.get("type") == "summary":
                summaries.append(v)
    t = threading.Thread(target=read, daemon=True)
    t.start()
    time.sleep(1)  # watch opens the (empty) file at its end
    levels = ["debug", "info", "info", "info", "warn", "error"]
    written = {l: 0 for l in set(levels)}
    total = 0
    rss = []
    start = time.time()
    next_rotate = start + args.rotate_secs
    next_sample = start
    rotations = 0
    f = open(log, "a")
    batch = max(1, args.rate // 20)
    while time.time() - start < args.minutes * 60:
        now = time.time()
        for _ in range(batch):
            lv = levels[total % len(levels)]
            f.write(json.dumps({"level": lv, "ts": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now)),
                                "msg": f"request {total % 97} done", "seq": total}) + "\n")
            written[lv] += 1
            total += 1
        f.flush()
        if now >= next_rotate:
            rotations += 1
            f.close()
            if rotations % args.copytruncate_every == 0:
                shutil.copy(log, f"{log}.{rotations}")
                with open(log, "r+") as g:
                    g.truncate(0)
            else:
                os.rename(log, f"{log}.{rotations}")
            f = open(log, "a")
            # Keep the disk use small: old rotations are not needed once watch read them.
            for old in range(1, rotations - 2):
                p = f"{log}.{old}"
                if os.path.exists(p):
                    os.remove(p)
            next_rotate += args.rotate_secs
        if now >= next_sample:
            r = rss_kib(watch.pid)
            if r:
                rss.append((now - start, r))
            next_sample += 10
        time.sleep(0.05)
    f.close()
    time.sleep(2)  # a few polls to catch up
    watch.send_signal(signal.SIGINT)
    watch.wait(timeout=60)
    t.join(timeout=10)
    final = summaries[-1]
    assert final.get("final"), "no final summary"
    rep = final["report"]
    got = rep["input"]["lines"]
    ok = got == total and all(rep["levels"].get(l, 0) == n for l, n in written.items())
    q = max(1, len(rss) // 4)
    first = max(r for _, r in rss[:q]) // 1024
    last = max(r for _, r in rss[-q:]) // 1024
    print(f"{args.minutes:g} min, {rotations} rotations every {args.rotate_secs:g} s "
          f"(every {args.copytruncate_every}. a copytruncate), "
          f"{total} lines written, watch counted {got}: {'exact' if ok else 'MISMATCH'}; "
          f"levels written {written}, counted { {l: rep['levels'][l] for l in written} }")
    print(f"watch RSS MiB: min {min(r for _, r in rss) // 1024}, max {max(r for _, r in rss) // 1024}; "
          f"first quarter max {first}, last quarter max {last}; exit code {watch.returncode}")
    shutil.rmtree(d, ignore_errors=True)
    sys.exit(0 if ok and last - first <= 20 and watch.returncode == 130 else 1)

if __name__ == "__main__":
    main()
