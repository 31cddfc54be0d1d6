"""Helpers for bench/load/run.sh (Python 3 standard library only).

Each sub-command does one small thing the shell is bad at; run.sh owns the
processes, this file owns parsing, HTTP probes and the Markdown report.

  free-port                         print a free TCP port on 127.0.0.1
  listen-addr LOG                   print the address of maskd's "listening" log line
  wait-http URL TIMEOUT_S           exit 0 once GET URL answers 200
  check URL BODY MODE               POST BODY like Langfuse does and verify the answer
                                    (MODE: mask | echo | peer); prints one summary line
  metrics URL                       print per-shard series of a Prometheus page as JSON
  result WRK_OUTPUT                 print the RESULT line of wrk_post.lua as JSON
  quiesce PID MAX_S                 wait until PID stops using CPU (backlog drained)
  report OUT_DIR                    print the Markdown report of a run
"""

import json
import os
import re
import socket
import sys
import time
import urllib.error
import urllib.request

LANGFUSE_HEADERS = {
    "Content-Type": "application/json",
    "X-Langfuse-Org-Id": "org-eval",
    "X-Langfuse-Project-Id": "proj-eval",
}


def free_port():
    # The port is released before the server binds it; on a quiet loopback the
    # window is harmless, and the caller checks that the server came up.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        print(sock.getsockname()[1])


def listen_addr(log_path):
    """Finds {"event":"listening","address":"HOST:PORT"} in maskd's stderr log."""
    try:
        with open(log_path, encoding="utf-8", errors="replace") as log:
            for line in log:
                line = line.strip()
                if not line.startswith("{"):
                    continue
                try:
                    record = json.loads(line)
                except ValueError:
                    continue
                if record.get("event") == "listening" and record.get("address"):
                    print(record["address"])
                    return 0
    except FileNotFoundError:
        pass
    return 1


def http(method, url, body=None, headers=None, timeout_s=30):
    request = urllib.request.Request(url, data=body, method=method,
                                     headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def wait_http(url, timeout_s):
    deadline = time.monotonic() + float(timeout_s)
    while time.monotonic() < deadline:
        try:
            status, _ = http("GET", url, timeout_s=2)
            if status == 200:
                return 0
        except (OSError, urllib.error.URLError):
            pass
        time.sleep(0.1)
    return 1


def count_redactions(data):
    return len(re.findall(rb"\[REDACTED_[A-Z_]+\]", data))


def check(url, body_path, mode):
    """Verifies the answer before anything is timed: a benchmark of a 400 or of
    a wrong answer measures nothing. Prints one line; exit 1 on failure."""
    with open(body_path, "rb") as f:
        body = f.read()
    start = time.monotonic()
    try:
        status, answer = http("POST", url, body, LANGFUSE_HEADERS)
    except (OSError, urllib.error.URLError) as error:
        print(f"{mode} {os.path.basename(body_path)}: FAILED: no answer ({error})")
        return 1
    elapsed_ms = (time.monotonic() - start) * 1000
    problems = []
    if status != 200:
        problems.append(f"status {status}: {answer[:200]!r}")
    if mode == "echo":
        if answer != body:
            problems.append(f"echo answer differs from the body ({len(answer)} vs {len(body)} bytes)")
    else:
        try:
            parsed_in, parsed_out = json.loads(body), json.loads(answer)
            if type(parsed_in) is not type(parsed_out):
                problems.append("top-level JSON type changed")
        except ValueError as error:
            problems.append(f"answer is not JSON: {error}")
        if answer == body:
            problems.append("the answer is the body unchanged (every bench body holds PII)")
    if mode == "mask" and not problems:
        # Determinism and idempotence (DESIGN.md §3.5-6), on the real server.
        try:
            _, again = http("POST", url, body, LANGFUSE_HEADERS)
            if again != answer:
                problems.append("not deterministic: two answers to the same body differ")
            _, twice = http("POST", url, answer, LANGFUSE_HEADERS)
            if twice != answer:
                problems.append("not idempotent: masking the answer changed it")
        except (OSError, urllib.error.URLError) as error:
            problems.append(f"no answer to a repeated request ({error})")
    summary = (f"{mode} {os.path.basename(body_path)}: status={status} "
               f"bytes_in={len(body)} bytes_out={len(answer)} "
               f"redactions={count_redactions(answer)} first_request_ms={elapsed_ms:.1f}")
    if problems:
        print(summary + " FAILED: " + "; ".join(problems))
        return 1
    print(summary + " ok")
    return 0


SERIES_RE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)\{([^}]*)\}\s+([0-9.eE+-]+|NaN)')
SHARD_RE = re.compile(r'shard="([^"]*)"')


def metrics(url):
    """Prints {metric_name: {shard: value}} for every series with a shard label,
    so run.sh does not depend on the exact metric names."""
    try:
        status, page = http("GET", url, timeout_s=5)
    except (OSError, urllib.error.URLError) as error:
        print(f"GET {url}: {error}", file=sys.stderr)
        return 1
    if status != 200:
        print(f"GET {url}: status {status}", file=sys.stderr)
        return 1
    series = {}
    for line in page.decode("utf-8", "replace").splitlines():
        match = SERIES_RE.match(line)
        if not match:
            continue
        shard = SHARD_RE.search(match.group(2))
        if not shard:
            continue
        name, value = match.group(1), float(match.group(3))
        other = SHARD_RE.sub("", match.group(2)).strip(", ")
        key = name if not other else f"{name}{{{other}}}"
        series.setdefault(key, {})[shard.group(1)] = value
    print(json.dumps(series, sort_keys=True))
    return 0


RESULT_RE = re.compile(r"^RESULT (.*)$", re.M)


def parse_result(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        match = RESULT_RE.search(f.read())
    if not match:
        return None
    return {k: int(v) for k, v in (kv.split("=", 1) for kv in match.group(1).split())}


def result(path):
    fields = parse_result(path)
    if fields is None:
        return 1
    print(json.dumps(fields))
    return 0


def cpu_ticks(pid):
    with open(f"/proc/{pid}/stat", encoding="ascii") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


def quiesce(pid, max_s):
    """Waits until PID used under 5% of one CPU over 0.5 s. When wrk stops, a
    slow server still holds the requests in flight (16 x 1 MB for the peer is
    seconds of work); the next run must not start against that backlog."""
    ticks_per_s = os.sysconf("SC_CLK_TCK")
    deadline = time.monotonic() + float(max_s)
    try:
        last = cpu_ticks(pid)
        while time.monotonic() < deadline:
            time.sleep(0.5)
            now = cpu_ticks(pid)
            if (now - last) < 0.05 * 0.5 * ticks_per_s:
                return 0
            last = now
    except (FileNotFoundError, ProcessLookupError):
        return 1
    print(f"pid {pid} still busy after {max_s} s", file=sys.stderr)
    return 1


# ---------------------------------------------------------------- report --


def read_jsonl(path):
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def read_rss(path):
    """VmRSS samples in kB, one a line (the sampler's output)."""
    if not path or not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as f:
        return [int(line) for line in f if line.strip().isdigit()]


def mib(kb):
    return f"{kb / 1024:.1f}"


def ms(us):
    return f"{us / 1000:.2f}" if us < 10000 else f"{us / 1000:.0f}"


def throughput_table(out_dir, runs):
    rows = ["| server | body | bytes | conns | req/s | MB/s | p50 ms | p99 ms | max ms "
            "| requests | errors | RSS max MiB |",
            "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|"]
    for run in runs:
        if run.get("kind") != "load":
            continue
        label = f"| {run['server']} | {run['body']} | {run['bytes']} | {run['conns']} "
        if run.get("skipped"):
            rows.append(label + f"| — | — | — | — | — | — | {run['skipped']} | — |")
            continue
        fields = parse_result(os.path.join(out_dir, run["wrk_output"]))
        if fields is None:
            rows.append(label + "| — | — | — | — | — | — | no RESULT line (see wrk output) | — |")
            continue
        if fields["requests"] == 0:
            rows.append(label + "| 0 | — | — | — | — | 0 | no request completed within the run | — |")
            continue
        seconds = fields["duration_us"] / 1e6
        rps = fields["requests"] / seconds if seconds else 0.0
        errors = {k: fields[k] for k in ("non2xx", "connect", "read", "write", "timeout") if fields[k]}
        error_text = ", ".join(f"{k}={v}" for k, v in errors.items()) or "0"
        rss = read_rss(os.path.join(out_dir, run["rss_file"])) if run.get("rss_file") else []
        rows.append(label + f"| {rps:,.0f} | {rps * run['bytes'] / 1e6:,.1f} "
                    f"| {ms(fields['p50_us'])} | {ms(fields['p99_us'])} | {ms(fields['max_us'])} "
                    f"| {fields['requests']} | {error_text} | {mib(max(rss)) if rss else '—'} |")
    return rows


def rss_table(out_dir, runs):
    rows = ["| phase | samples | first MiB | last MiB | max MiB |",
            "|---|---:|---:|---:|---:|"]
    for run in runs:
        if run.get("kind") not in ("idle", "soak"):
            continue
        rss = read_rss(os.path.join(out_dir, run["rss_file"]))
        if not rss:
            rows.append(f"| {run['label']} | 0 | — | — | — |")
            continue
        rows.append(f"| {run['label']} | {len(rss)} | {mib(rss[0])} | {mib(rss[-1])} | {mib(max(rss))} |")
    return rows


def soak_series(out_dir, runs):
    lines = []
    for run in runs:
        if run.get("kind") != "soak":
            continue
        rss = read_rss(os.path.join(out_dir, run["rss_file"]))
        if rss:
            step = max(1, len(rss) // 12)
            picked = ", ".join(mib(v) for v in rss[::step])
            lines.append(f"{run['label']}, VmRSS MiB every {step} s: {picked}")
    return lines


def shard_table(out_dir, runs):
    rows = ["| client conns | requests | requests per shard | busiest shard share "
            "| open connections per shard (mid-run) |",
            "|---:|---:|---|---:|---|"]
    for run in runs:
        if run.get("kind") != "spread":
            continue
        if run.get("skipped"):
            rows.append(f"| {run['conns']} | — | {run['skipped']} | — | — |")
            continue
        before = read_json(os.path.join(out_dir, run["before"]))
        after = read_json(os.path.join(out_dir, run["after"]))
        during = read_json(os.path.join(out_dir, run["during"]))
        name = pick_metric(after, "request")
        if name is None:
            rows.append(f"| {run['conns']} | — | no per-shard request counter in /metrics | — | — |")
            continue
        shards = sorted(after[name], key=shard_order)
        deltas = [after[name][s] - before.get(name, {}).get(s, 0) for s in shards]
        total = sum(deltas)
        per_shard = " / ".join(f"{int(d)}" for d in deltas)
        share = f"{max(deltas) / total:.0%}" if total else "—"
        conn_name = pick_metric(during, "connection")
        if conn_name:
            open_conns = " / ".join(f"{int(during[conn_name].get(s, 0))}" for s in shards)
        else:
            open_conns = "—"
        rows.append(f"| {run['conns']} | {int(total)} | {per_shard} | {share} | {open_conns} |")
    return rows


def read_json(path):
    if not os.path.exists(path):
        return {}
    with open(path, encoding="utf-8") as f:
        text = f.read().strip()
    return json.loads(text) if text else {}


def shard_order(shard):
    return (0, int(shard)) if shard.isdigit() else (1, shard)


def pick_metric(series, word):
    """The per-shard counter whose name contains WORD, preferring maskd_shard_*."""
    names = sorted((n for n in series if word in n and "{" not in n),
                   key=lambda n: (not n.startswith("maskd_shard_"), n))
    if word == "connection":
        names = [n for n in names if "open" in n] or names
    return names[0] if names else None


def listening_record(log_path):
    """maskd's {"event":"listening",...} log record, or {}."""
    if not os.path.exists(log_path):
        return {}
    with open(log_path, encoding="utf-8", errors="replace") as log:
        for line in log:
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if isinstance(record, dict) and record.get("event") == "listening":
                return record
    return {}


def report(out_dir):
    meta = read_json(os.path.join(out_dir, "meta.json"))
    started = listening_record(os.path.join(out_dir, "maskd.log"))
    if "shards" in started:
        meta["shards"] = f"{started['shards']} ({meta.get('shards')})"
    runs = read_jsonl(os.path.join(out_dir, "runs.jsonl"))
    commands = read_jsonl(os.path.join(out_dir, "commands.jsonl"))
    checks = read_jsonl(os.path.join(out_dir, "checks.jsonl"))
    out = []
    out.append(f"### Load run {meta.get('date', '')}")
    out.append("")
    out.append(f"- Machine: {meta.get('nproc')} CPUs, {meta.get('cpu')}; kernel {meta.get('kernel')}.")
    out.append(f"- maskd: `{meta.get('maskd_bin')}` ({meta.get('maskd_build')}); shards: "
               f"{meta.get('shards')}. Repository HEAD at run time: {meta.get('commit')} (say which "
               f"commit the binary was built from when you paste this).")
    out.append(f"- Peer: Langfuse's documented FastAPI example (`bench/peer/fastapi_mask.py`), "
               f"{meta.get('peer_versions')}, one uvicorn worker.")
    out.append(f"- Client: {meta.get('wrk_version')}, one thread, on the same machine as the "
               f"server: client and server share the {meta.get('nproc')} CPUs, so every figure is a "
               f"lower bound for a server with the machine to itself.")
    out.append(f"- Load average (1/5/15 min): {meta.get('loadavg')}. Anything else running on the "
               f"machine during the run shows up here; figures from a busy machine are not comparable.")
    out.append(f"- Each run: {meta.get('duration')} s after a {meta.get('warmup')} s warm-up; every "
               f"server's answer to each body was checked before it was timed (see checks).")
    out.append("")
    out.append("#### Throughput and latency")
    out.append("")
    out.extend(throughput_table(out_dir, runs))
    out.append("")
    out.append("MB/s = req/s x body size (request bytes). Langfuse's worker gives the whole "
               "exchange 500 ms by default: a p99 above that is a leak under fail-open.")
    out.append("")
    out.append("#### maskd resident memory (VmRSS, sampled every second)")
    out.append("")
    out.extend(rss_table(out_dir, runs))
    series = soak_series(out_dir, runs)
    if series:
        out.append("")
        out.extend(f"- {line}" for line in series)
    out.append("")
    out.append("#### Spread of work over shards (small body)")
    out.append("")
    out.extend(shard_table(out_dir, runs))
    out.append("")
    out.append("Per-shard request deltas from /metrics before and after each run (the scrapes "
               "themselves add at most 2 requests); open connections are one scrape half-way "
               "through the run and include the scrape's own connection.")
    if meta.get("notes"):
        out.append("")
        out.append("#### Notes")
        out.append("")
        out.extend(f"- {note}" for note in meta["notes"])
    out.append("")
    out.append("#### Checks before timing")
    out.append("")
    out.append("```")
    out.extend(c["line"] for c in checks)
    out.append("```")
    out.append("")
    out.append("#### Commands")
    out.append("")
    out.append("```")
    out.append(meta.get("invocation", ""))
    out.extend(c["command"] for c in commands)
    out.append("```")
    print("\n".join(out))
    return 0


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    command, args = argv[1], argv[2:]
    table = {
        "free-port": lambda: free_port() or 0,
        "listen-addr": lambda: listen_addr(*args),
        "wait-http": lambda: wait_http(*args),
        "check": lambda: check(*args),
        "metrics": lambda: metrics(*args),
        "result": lambda: result(*args),
        "quiesce": lambda: quiesce(*args),
        "report": lambda: report(*args),
    }
    if command not in table:
        print(__doc__, file=sys.stderr)
        return 2
    return table[command]()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
