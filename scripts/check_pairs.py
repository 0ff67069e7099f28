#!/usr/bin/env python3
"""Noise and regression test of `logtriage check` on generated corpora.

For N seed pairs, generates two corpora with the same settings and different seeds and checks
the second against the first (each must PASS), then injects three regressions into the second
and checks each (each must FAIL, naming the expected rule):

  burst     an error burst: 30 % of the info lines in 5 % of the run become errors
  slower    every duration of the busiest timed template multiplied by 1.5
  new-error a new error message, 0.1 % of the lines

usage: scripts/check_pairs.py [--pairs 20] [--lines 300000] [--gen PATH/gen_corpus.py]
       [--bin target/release/logtriage] [--format json|mixed]

With --gen, the corpora come from that generator (it must take --seed, --lines, --format,
--out, --templates-out, like ../shared/bench/gen_corpus.py); without it, from
`logtriage-gen` (no template ids: the `slower` case then uses the message text's first word).
"""
import argparse, json, os, random, re, subprocess, sys, tempfile
from collections import Counter

def gen(args, seed, out, tpl):
    if args.gen:
        subprocess.run([sys.executable, args.gen, "--seed", str(seed), "--lines", str(args.lines),
                        "--format", args.format, "--out", out, "--templates-out", tpl], check=True)
    else:
        gen_bin = os.path.join(os.path.dirname(args.bin), "logtriage-gen")
        subprocess.run([gen_bin, "--seed", str(seed), "--lines", str(args.lines),
                        "--format", args.format, "--out", out], check=True)
        open(tpl, "w").close()

def check(args, base, path):
    p = subprocess.run([args.bin, "check", "-b", base, "-f", "json", path], capture_output=True, text=True)
    if p.returncode not in (0, 1):
        sys.exit(f"check failed with {p.returncode}: {p.stderr}")
    r = json.loads(p.stdout)
    failed = [o["rule"] for o in r["outcomes"] if o["status"] == "fail"]
    metrics = [f["metric"] for o in r["outcomes"] for f in o["findings"] if f["regressed"]]
    return p.returncode, failed, metrics

DUR = re.compile(r'("duration_ms": ?)([0-9.]+)')

def inject(kind, src, tpl, dst, rng):
    lines = open(src, encoding="utf-8", errors="surrogateescape").read().split("\n")
    tpls = open(tpl).read().split("\n") if os.path.getsize(tpl) else []
    n = len(lines)
    if kind == "burst":
        start = rng.randrange(n // 4, n // 2)
        width = n // 20  # about 3 minutes of a 1-hour window
        for i in range(start, start + width):
            if rng.random() < 0.3:
                lines[i] = re.sub(r'"level": ?"info"', '"level": "error"', lines[i], count=1)
    elif kind == "slower":
        # The busiest template whose lines carry duration_ms.
        timed = Counter(t for t, l in zip(tpls, lines) if DUR.search(l)) if tpls else None
        if timed:
            target = timed.most_common(1)[0][0]
            pick = lambda i: tpls[i] == target
        else:
            firsts = Counter(l.split('"msg":')[1][:25] for l in lines if DUR.search(l) and '"msg":' in l)
            target = firsts.most_common(1)[0][0]
            pick = lambda i: '"msg":' in lines[i] and lines[i].split('"msg":')[1][:25] == target
        for i in range(n):
            if pick(i):
                lines[i] = DUR.sub(lambda m: m.group(1) + repr(round(float(m.group(2)) * 1.5, 3)), lines[i], count=1)
    elif kind == "new-error":
        k = max(n // 1000, 30)
        for _ in range(k):
            i = rng.randrange(1, n - 1)
            ts = re.search(r'"ts": ?"([^"]+)"', lines[i])
            t = ts.group(1) if ts else "2026-02-06T10:30:00.000Z"
            lines.insert(i, json.dumps({"level": "error", "ts": t, "logger": "billing",
                                        "msg": f"ledger write failed: deadlock on shard {rng.randrange(64)}"}))
    with open(dst, "w", encoding="utf-8", errors="surrogateescape") as f:
        f.write("\n".join(lines))

EXPECT = {"burst": "error_rate", "slower": "latency", "new-error": "new_templates"}

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pairs", type=int, default=20)
    ap.add_argument("--lines", type=int, default=300000)
    ap.add_argument("--gen")
    ap.add_argument("--bin", default="target/release/logtriage")
    ap.add_argument("--format", default="json")
    ap.add_argument("--first-seed", type=int, default=100)
    args = ap.parse_args()
    ok = True
    passed_noise = caught = 0
    with tempfile.TemporaryDirectory() as d:
        for k in range(args.pairs):
            sa, sb = args.first_seed + 2 * k, args.first_seed + 2 * k + 1
            a, b = os.path.join(d, "a.log"), os.path.join(d, "b.log")
            ta, tb = os.path.join(d, "a.tpl"), os.path.join(d, "b.tpl")
            gen(args, sa, a, ta)
            gen(args, sb, b, tb)
            base = os.path.join(d, "base.json")
            with open(base, "w") as f:
                subprocess.run([args.bin, "analyze", "-f", "json", "--latency", a], stdout=f, check=True)
            rc, failed, metrics = check(args, base, b)
            noise_ok = rc == 0
            passed_noise += noise_ok
            row = [f"seeds {sa}/{sb}: noise {'PASS' if noise_ok else 'FAIL ' + ','.join(metrics)}"]
            rng = random.Random(sb)
            for kind, rule in EXPECT.items():
                bad = os.path.join(d, "bad.log")
                inject(kind, b, tb, bad, rng)
                rc, failed, metrics = check(args, base, bad)
                hit = rc == 1 and rule in failed
                caught += hit
                row.append(f"{kind} {'FAIL(' + rule + ')' if hit else 'MISSED ' + ','.join(failed)}")
                ok &= hit
            ok &= noise_ok
            print("  ".join(row), flush=True)
    print(f"noise pairs passing: {passed_noise}/{args.pairs}; regressions caught: {caught}/{3 * args.pairs}")
    sys.exit(0 if ok else 1)

if __name__ == "__main__":
    main()
