#!/usr/bin/env python3
"""Template-mining accuracy on Loghub-2k: runs `logtriage mine --text` on the Content column of
each dataset and scores the assignments with the reference scorer (eval_mining.py).

    python3 scripts/eval_loghub.py ../shared/loghub            # per-dataset GA/FGA/PA/FTA table
    python3 scripts/eval_loghub.py ../shared/loghub --gt original

One generic configuration, no per-dataset settings: the binary runs with its defaults. Needs a
release build (cargo build --release). Prints the scorer's table; exits with its status.
"""
import argparse
import csv
import os
import subprocess
import sys
import tempfile


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("loghub", help="directory with DS/DS_2k.log_structured*.csv and eval_mining.py")
    ap.add_argument("--gt", default="corrected", choices=["corrected", "original"])
    ap.add_argument("--bin", default=os.path.join(os.path.dirname(__file__), "..", "target", "release", "logtriage"))
    ap.add_argument("--scorer", default=None, help="eval_mining.py (default: in LOGHUB)")
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
