#!/usr/bin/env python3
"""A JSON log whose lines carry the keys real services add beside the well-known ones.

    scripts/wide_corpus.py OUT [LINES]

Each line has a time, a level, a message, 18 keys that no field alias names (`trace_id`,
`user_agent`, `pod_name`, ...), a `duration_ms` and a `request_id`: the shape that makes the
field lookup's cost on unknown keys visible (README, Performance). Deterministic (seed 3).
700,000 lines (the default) make 366 MB.
"""
import random
import sys

KEYS = [
    "trace_id", "span_id", "user_id", "account_id", "region", "hostname", "pod_name",
    "namespace", "container_id", "tenant", "http_status", "bytes_sent", "user_agent",
    "remote_addr", "session_id", "feature_flag", "build_sha", "retry_count",
]


def main() -> int:
    if len(sys.argv) not in (2, 3):
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    lines = int(sys.argv[2]) if len(sys.argv) == 3 else 700_000
    r = random.Random(3)
    with open(sys.argv[1], "w") as f:
        for i in range(lines):
            parts = [
                '"time":"2026-02-06T10:%02d:%02d.%03dZ"' % (i // 60000 % 60, i // 1000 % 60, i % 1000),
                '"level":"info"',
                '"msg":"handled request %d"' % (i % 50),
            ]
            for k in KEYS:
                parts.append('"%s":"%s"' % (k, "v%x" % r.getrandbits(24)))
            parts.append('"duration_ms":%d' % r.randint(1, 900))
            parts.append('"request_id":"req-%x"' % r.getrandbits(40))
            f.write("{" + ",".join(parts) + "}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
