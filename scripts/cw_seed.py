#!/usr/bin/env python3
"""Seed a CloudWatch Logs endpoint (moto, in the tests) with the lines of a log file.

usage: cw_seed.py ENDPOINT_URL LOGFILE OUT --groups G1,G2 --streams N [--start-ms MS] [--deal blocks|round-robin]

The lines are dealt to the groups in contiguous blocks (or, with `--deal round-robin`, line by
line, so the groups interleave in time) and, within a group, round-robin to N streams
(`stream-0` …). Every event gets its own millisecond, increasing in file order, so an
interleaved FilterLogEvents returns each group's events in file order, and a reader merging
the groups by time sees the file's order. OUT receives what such a reader should see: `<RFC3339 time> <message>` per event
(the CloudWatch export shape), a JSON message with its stream as `@logStream`. Batches respect the real PutLogEvents limits (at most 10,000
events and 1 MB per call, one stream per call).
"""
import argparse, datetime, json, os, sys, time
import boto3

def rfc3339(ms):
    t = datetime.datetime.fromtimestamp(ms / 1000, datetime.timezone.utc)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"

def with_stream(line, stream):
    """What logtriage makes of a JSON object message: the stream name as `@logStream` first."""
    body = line.lstrip()
    if body.startswith("{") and line.rstrip().endswith("}"):
        rest = body[1:]
        sep = "" if rest.lstrip().startswith("}") else ","
        return '{"@logStream":' + json.dumps(stream) + sep + rest
    return line

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("endpoint")
    ap.add_argument("logfile")
    ap.add_argument("out")
    ap.add_argument("--groups", required=True)
    ap.add_argument("--streams", type=int, default=1)
    ap.add_argument("--start-ms", type=int, default=None)
    ap.add_argument("--deal", choices=["blocks", "round-robin"], default="blocks")
    args = ap.parse_args()
    client = boto3.client("logs", endpoint_url=args.endpoint, region_name="us-east-1",
                          aws_access_key_id="testing", aws_secret_access_key="testing")
    lines = [l for l in open(args.logfile, encoding="utf-8").read().split("\n") if l.strip()]
    groups = args.groups.split(",")
    start = args.start_ms if args.start_ms is not None else int(time.time() * 1000) - len(lines) - 60_000
    streams = [f"stream-{i}" for i in range(args.streams)]
    # (group, stream, time) of every line, in file order.
    placed = []
    per_group = (len(lines) + len(groups) - 1) // len(groups)
    counts = [0] * len(groups)
    for i in range(len(lines)):
        gi = i % len(groups) if args.deal == "round-robin" else i // per_group
        placed.append((gi, streams[counts[gi] % len(streams)], start + i))
        counts[gi] += 1
    with open(args.out, "w", encoding="utf-8") as out:
        for line, (gi, s, t) in zip(lines, placed):
            out.write(f"{rfc3339(t)} {with_stream(line, s)}\n")
    for gi, g in enumerate(groups):
        try:
            client.create_log_group(logGroupName=g)
        except client.exceptions.ResourceAlreadyExistsException:
            pass
        for s in streams:
            try:
                client.create_log_stream(logGroupName=g, logStreamName=s)
            except client.exceptions.ResourceAlreadyExistsException:
                pass
        per_stream = {s: [] for s in streams}
        for line, (g2, s, t) in zip(lines, placed):
            if g2 == gi:
                per_stream[s].append({"timestamp": t, "message": line})
        for s, events in per_stream.items():
            batch, size = [], 0
            for e in events:
                n = len(e["message"].encode()) + 26
                if batch and (len(batch) >= 10_000 or size + n > 1_000_000):
                    client.put_log_events(logGroupName=g, logStreamName=s, logEvents=batch)
                    batch, size = [], 0
                batch.append(e)
                size += n
            if batch:
                client.put_log_events(logGroupName=g, logStreamName=s, logEvents=batch)
    print(f"{len(lines)} events in {len(groups)} groups x {args.streams} streams", file=sys.stderr)

if __name__ == "__main__":
    main()
