#!/usr/bin/env python3
"""Alert latency of `logtriage watch` under load.

Pipes background lines (the project's generator, `logtriage-gen`) into `watch -f json` at a
fixed rate and, every 0.1 s, a *marker*: a catalog example line (severity warn or worse) with a
unique request id. For each marker the time from writing it to reading its alert back is one
latency sample. Markers cycle through the catalog's JSON examples, so a pattern repeats only
after its 10-second fold window (folded repeats produce no alert and are not counted).

usage: benches/watch_latency.py [--rate 500000] [--seconds 30] [--bin target/release/logtriage]
prints: lines/s achieved, markers sent / alerted, latency p50 / p99 / max (ms), watch's peak RSS
"""
import argparse, json, os, subprocess, sys, threading, time

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rate", type=int, default=500_000, help="background lines per second")
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--bin", default="target/release/logtriage")
    args = ap.parse_args()
    gen = os.path.join(os.path.dirname(args.bin), "logtriage-gen")
    background = subprocess.run([gen, "--seed", "7", "--lines", "400000", "--format", "json", "--out", "-"],
                                capture_output=True, check=True).stdout.splitlines(keepends=True)
    catalog = json.loads(subprocess.run([args.bin, "patterns", "list", "-f", "json"],
                                        capture_output=True, check=True).stdout)
    examples = []
    for p in catalog:
        if p["severity"] not in ("warn", "error", "critical"):
            continue
        for m in p.get("examples", {}).get("match", []):
            try:
                ev = json.loads(m)
            except ValueError:
                continue
            if isinstance(ev, dict):
                examples.append(ev)
                break
    proc = subprocess.Popen(["/usr/bin/time", "-f", "%M", args.bin, "watch", "-f", "json"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    sent, got = {}, {}

    def reader():
        for line in proc.stdout:
            t = time.monotonic()
            try:
                v = json.loads(line)
            except ValueError:
                continue
            rid = v.get("request_id") or ""
            if v.get("type") == "alert" and v.get("kind") == "pattern" and rid.startswith("marker-") and rid not in got:
                got[rid] = t

    th = threading.Thread(target=reader, daemon=True)
    th.start()
    batch = 2000
    interval = batch / args.rate
    start = time.monotonic()
    next_marker = start
    written = 0
    i = k = 0
    while time.monotonic() - start < args.seconds:
        chunk = b"".join(background[i:i + batch])
        i = (i + batch) % (len(background) - batch)
        now = time.monotonic()
        if now >= next_marker:
            ev = dict(examples[k % len(examples)])
            rid = f"marker-{k}"
            ev["request_id"] = rid
            k += 1
            chunk += (json.dumps(ev) + "\n").encode()
            sent[rid] = None
            next_marker += 0.1
        proc.stdin.write(chunk)
        proc.stdin.flush()
        if rid_pending := [r for r, v in sent.items() if v is None]:
            t = time.monotonic()
            for r in rid_pending:
                sent[r] = t
        written += batch
        target = start + written / args.rate
        delay = target - time.monotonic()
        if delay > 0:
            time.sleep(delay)
    elapsed = time.monotonic() - start
    proc.stdin.close()
    proc.wait()
    th.join(timeout=5)
    rss = proc.stderr.read().decode().strip().splitlines()[-1]
    lat = sorted((got[r] - sent[r]) * 1000 for r in sent if r in got and sent[r] is not None)
    if not lat:
        sys.exit("no marker alert came back")
    q = lambda p: lat[min(len(lat) - 1, int(p * len(lat)))]
    print(f"background {written / elapsed:,.0f} lines/s for {elapsed:.1f} s; "
          f"markers {len(sent)} sent, {len(lat)} alerted (the rest folded)")
    print(f"alert latency ms: p50 {q(0.5):.1f}  p99 {q(0.99):.1f}  max {lat[-1]:.1f}; watch peak RSS {int(rss) // 1024} MiB")

if __name__ == "__main__":
    main()
