#!/usr/bin/env python3
"""Compare a `logtriage analyze --format json` report with a gen_corpus.py truth file.

Independent check, run by hand (the test suite never needs ../shared):

    python3 ../shared/bench/gen_corpus.py --seed 3 --lines 200000 --format mixed \
        --out /tmp/c.log --truth /tmp/c.truth.json
    logtriage analyze --format json /tmp/c.log > /tmp/c.report.json
    python3 scripts/compare_truth.py /tmp/c.report.json /tmp/c.truth.json

Prints one line per check and 'N passed, N failed'. Exits 1 if a check failed.
"""
import json
import sys


def main():
    report = json.load(open(sys.argv[1]))
    truth = json.load(open(sys.argv[2]))
    fmt = truth["generator"]["format"]
    passed = failed = 0

    def check(name, got, want, note=""):
        nonlocal passed, failed
        ok = got == want
        passed += ok
        failed += not ok
        print(("ok   " if ok else "FAIL ") + name + ("" if ok else f": got {got!r}, want {want!r} {note}"))

    kinds = truth["lines_by_kind"]
    inp = report["input"]
    check("input.lines", inp["lines"], truth["total_lines"])
    check("input.bytes", inp["bytes"], truth["total_bytes"])
    # logtriage parses logfmt-looking plain lines as events (documented); the truth counts them
    # as non-JSON. Count them so the difference can be checked to be exactly those lines.
    extra = 0
    if fmt == "mixed":
        extra = inp["formats"].get("logfmt", 0)
    check("input.events", inp["events"], truth["events"] + extra, f"(+{extra} logfmt lines in mixed)")
    check("input.malformed", inp["malformed"], kinds["malformed"])
    check("input.blank", inp["blank"], kinds["blank"])
    check("input.non_json", inp["non_json"] + extra, kinds["non_json"])
    for level, n in truth["by_level"].items():
        got = report["levels"].get(level, 0)
        if fmt == "mixed" and extra:
            # sidecar logfmt lines are level=info
            got -= extra if level == "info" else 0
        check(f"levels.{level}", got, n)
    top = [[m["message"], m["count"]] for m in report["messages"][:20]]
    want = truth["by_msg_top20"]
    # Ties at the 20th place may be ordered differently: compare counts, and names above the tie.
    check("messages top-20 counts", [c for _, c in top], [c for _, c in want])
    t21 = truth.get("by_msg_21st_count", -1)
    check("messages top-20 (above ties)", sorted(m for m, c in top if c > t21), sorted(m for m, c in want if c > t21))
    if report["timeline"]["bucket_seconds"] == 60:
        got = {b["start"][:16]: b["errors"] for b in report["timeline"]["buckets"] if b["errors"]}
        check("errors per minute", got, truth["errors_per_minute"])
    else:
        print(f"skip errors per minute: bucket is {report['timeline']['bucket_seconds']}s (use --bucket 1m)")
    lat = report.get("latency")
    if lat:
        dm = truth["duration_ms"]
        n = dm["n_numeric"] + dm["n_string"]
        got_n = lat["overall"]["count"]
        check("latency.overall.count within 0.1%", abs(got_n - n) <= 0.001 * n, True, f"({got_n} vs {n})")
        for key, tkey in [("p50", "p50"), ("p90", "p90"), ("p95", "p95"), ("p99", "p99"), ("p999", "p99.9")]:
            g, w = lat["overall"][key], dm[tkey]
            check(f"latency.overall.{key} within 1%", abs(g - w) <= 0.01 * abs(w), True, f"({g} vs {w})")
        check("latency.overall.max exact", lat["overall"]["max"], dm["max"])
        got = [(e["request_id"], e["message"], e["duration_ms"], e["ts"]) for e in lat["slowest"][:20]]
        want = [(e["request_id"], e["msg"], float(e["duration_ms"]), e["ts"]) for e in truth["slowest20"]]
        check("latency.slowest top 20", got, want)
    tr = report.get("traces")
    if tr:
        req = truth["requests"]
        check("traces.count", tr["count"], req["distinct_request_ids"])
        check("traces.with_errors", tr["with_errors"], req["requests_with_error"])
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
