#!/usr/bin/env python3
"""Template-mining accuracy on Loghub-2k: runs `logtriage mine --text` on the Content column of
each dataset and scores the assignments with the reference scorer (eval_mining.py).

    python3 scripts/eval_loghub.py ../shared/loghub            # per-dataset GA/FGA/PA/FTA table
    python3 scripts/eval_loghub.py ../shared/loghub --gt original
    python3 scripts/eval_loghub.py ../shared/loghub --raw      # from the raw logs, end to end

With --raw the miner reads each raw `DS_2k.log` as a user would (`logtriage mine DS_2k.log`:
the message that logtriage takes from each plain-text line's header), and the script first
prints, per dataset, how many of those messages equal Loghub's labelled `Content` (read with
`logtriage filter --format json`).

One generic configuration, no per-dataset settings: the binary runs with its defaults. Needs a
release build (cargo build --release). Prints the scorer's table; exits with its status.
"""
import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile


def raw_lines(path):
    """The raw log's lines as logtriage splits them: on LF, a CR before it dropped."""
    with open(path, "rb") as f:
        data = f.read()
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    return [l[:-1] if l.endswith(b"\r") else l for l in lines]


def mine_raw(binary, loghub, ds, truth, out_dir, extra):
    log = os.path.join(loghub, ds, f"{ds}_2k.log")
    with open(truth, newline="", encoding="utf-8") as f:
        content = [row["Content"] for row in csv.DictReader(f)]
    # Loghub splits on CR too (Apache has bare CRs inside lines): feed the same lines, LF-ended.
    lines = [l.replace(b"\r", b" ") for l in raw_lines(log)]
    if len(lines) != len(content):
        sys.exit(f"{ds}: {len(lines)} lines in the log, {len(content)} rows in the truth")
    fixed = os.path.join(out_dir, f"{ds}.log")
    with open(fixed, "wb") as o:
        o.write(b"".join(l + b"\n" for l in lines))
    out = subprocess.run([binary, "filter", "--format", "json", "", fixed], check=True,
                         stdout=subprocess.PIPE).stdout.decode("utf-8").splitlines()
    same = sum(1 for o, c in zip(out, content) if (json.loads(o)["message"] or "") == c.strip())
    print(f"{ds:<10} message equals Content on {same:>4} of {len(content)} lines")
    pred = os.path.join(out_dir, f"{ds}.csv")
    subprocess.run([binary, "mine", "--assignments", pred, "--format", "json", fixed] + extra,
                   check=True, stdout=subprocess.DEVNULL)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("loghub", help="directory with DS/DS_2k.log_structured*.csv and eval_mining.py")
    ap.add_argument("--gt", default="corrected", choices=["corrected", "original"])
    ap.add_argument("--bin", default=os.path.join(os.path.dirname(__file__), "..", "target", "release", "logtriage"))
    ap.add_argument("--scorer", default=None, help="eval_mining.py (default: in LOGHUB)")
    ap.add_argument("--raw", action="store_true", help="mine the raw logs, not the Content column")
    ap.add_argument("extra", nargs="*", help="extra arguments for `logtriage mine` (experiments)")
    args = ap.parse_args()
    scorer = args.scorer or os.path.join(args.loghub, "eval_mining.py")
    out_dir = tempfile.mkdtemp(prefix="logtriage-loghub-")
    datasets = sorted(d for d in os.listdir(args.loghub) if os.path.isdir(os.path.join(args.loghub, d)))
    for ds in datasets:
        suffix = "_corrected" if args.gt == "corrected" else ""
        truth = os.path.join(args.loghub, ds, f"{ds}_2k.log_structured{suffix}.csv")
        if not os.path.exists(truth):
            continue
        if args.raw:
            mine_raw(args.bin, args.loghub, ds, truth, out_dir, args.extra)
            continue
        content = os.path.join(out_dir, f"{ds}.content")
        with open(truth, newline="", encoding="utf-8") as f, open(content, "w", encoding="utf-8", newline="\n") as o:
            for row in csv.DictReader(f):
                # One message per line: a line break inside a message would split it.
                o.write(row["Content"].replace("\r", " ").replace("\n", " ") + "\n")
        pred = os.path.join(out_dir, f"{ds}.csv")
        subprocess.run([args.bin, "mine", "--text", "--assignments", pred, "--format", "json", content] + args.extra,
                       check=True, stdout=subprocess.DEVNULL)
    r = subprocess.run([sys.executable, scorer, "--all", args.loghub, "--pred-dir", out_dir, "--gt", args.gt])
    sys.exit(r.returncode)


if __name__ == "__main__":
    main()
