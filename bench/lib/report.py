#!/usr/bin/env python3
"""bench/lib/report.py: turns the records bench/run.sh wrote (results.jsonl, the Google
Benchmark JSON) into the markdown results file: machine, commit, date, pinning, every figure
as the median of the runs with min and max, and each peer's ratio to nginx from the same run.
"""
import argparse
import json
import os
import platform
import statistics
import subprocess
from collections import defaultdict

SCENARIOS = [
    ("http_keepalive", "plain", "HTTP keep-alive, Host rotating over the table"),
    ("https_keepalive", "plain", "HTTPS keep-alive, one name per connection (SNI = Host)"),
    ("tls_handshakes", "full", "New TLS connections per second, full handshakes"),
    ("tls_handshakes", "resumed", "New TLS connections per second, resumed sessions"),
]
PEER_ORDER = ["portico", "nginx", "haproxy"]


def command_output(*argv):
    try:
        result = subprocess.run(argv, capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return "?"
    text = (result.stdout + result.stderr).strip()
    return text.splitlines()[0] if text else "?"


def machine_lines(portico):
    model = "?"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
        with open("/proc/meminfo", encoding="utf-8") as meminfo:
            memory_kib = int(meminfo.readline().split()[1])
    except OSError:
        memory_kib = 0
    return [
        f"- Machine: {model}, {os.cpu_count()} CPUs, {memory_kib / 1024 / 1024:.1f} GiB RAM, "
        f"Linux {platform.release()}",
        f"- Software: {command_output(portico, '--version')}; "
        f"{command_output('nginx', '-v').replace('nginx version: ', '')}; "
        f"{' '.join(command_output('haproxy', '-v').split()[:4])}; "
        f"{command_output('openssl', 'version')}; "
        f"{' '.join(command_output('wrk', '-v').split()[:2])}; "
        f"{command_output('g++', '--version')}",
    ]


def load_records(path):
    records = []
    with open(path, encoding="utf-8") as source:
        for line in source:
            line = line.strip()
            if line:
                records.append(json.loads(line))
    return records


def spread(values, scale=1.0, digits=0):
    """'median (min–max)' of the values times scale."""
    if not values:
        return "–"
    fmt = f"{{:,.{digits}f}}"
    median = statistics.median(values) * scale
    if len(values) == 1:
        return fmt.format(median)
    return f"{fmt.format(median)} ({fmt.format(min(values) * scale)}–{fmt.format(max(values) * scale)})"


def ratio(value, reference):
    if value is None or not reference:
        return "–"
    return f"{value / reference:.2f}×"


def median_or_none(values):
    return statistics.median(values) if values else None


def cpu_of(record):
    cpu = record.get("cpu_seconds", record["load"].get("cpu_seconds", -1))
    return cpu if cpu is not None and cpu > 0 else None


class Figures:
    """The runs of one (scenario, variant, peer)."""

    def __init__(self, records):
        self.records = records
        self.rates = [r["load"]["rate"] for r in records]
        self.p99_ms = [r["load"]["p99_us"] / 1000 for r in records]
        self.per_cpu = [r["load"]["completed"] / cpu_of(r) for r in records if cpu_of(r)]
        # Share of the window the proxy was on a CPU: well under 100% means something else
        # (load generator, upstream, a busy machine) set the pace, not the proxy.
        self.busy = [cpu_of(r) / r["load"]["seconds"] for r in records
                     if cpu_of(r) and r["load"].get("seconds")]
        self.errors = sum(r["load"]["errors"] for r in records)
        self.non_2xx = sum(r["load"]["non_2xx"] for r in records)
        completed = sum(r["load"]["completed"] for r in records)
        resumed = sum(r["load"].get("resumed", 0) for r in records)
        self.resumed_share = resumed / completed if completed else 0.0

    def rate(self):
        return median_or_none(self.rates)

    def p99(self):
        return median_or_none(self.p99_ms)

    def rate_per_cpu(self):
        return median_or_none(self.per_cpu)


def busy(figures):
    return f"{statistics.median(figures.busy):.0%}" if figures.busy else "–"


def group(records, scenario, variant):
    by_peer = defaultdict(list)
    for record in records:
        if record.get("scenario") == scenario and record.get("variant") == variant:
            by_peer[record["peer"]].append(record)
    return {peer: Figures(runs) for peer, runs in by_peer.items()}


def ordered(peers):
    return sorted(peers, key=lambda p: PEER_ORDER.index(p) if p in PEER_ORDER else 99)


def throughput_section(records, out, verdicts):
    out.append("## Throughput and latency\n")
    out.append("| scenario | peer | requests/s | × nginx | p99 latency, ms | requests per CPU-second "
               "of the proxy | × nginx | proxy CPU busy | errors | non-2xx |")
    out.append("|---|---|---|---|---|---|---|---|---|---|")
    for scenario, variant, title in SCENARIOS:
        figures = group(records, scenario, variant)
        if not figures:
            continue
        nginx = figures.get("nginx")
        for peer in ordered(figures):
            f = figures[peer]
            label = title
            if variant == "resumed":
                label += f" ({f.resumed_share:.0%} resumed)"
            out.append(
                f"| {label} | {peer} | {spread(f.rates)} | {ratio(f.rate(), nginx and nginx.rate())} "
                f"| {spread(f.p99_ms, digits=2)} | {spread(f.per_cpu)} "
                f"| {ratio(f.rate_per_cpu(), nginx and nginx.rate_per_cpu())} | {busy(f)} "
                f"| {f.errors} | {f.non_2xx} |")
        portico = figures.get("portico")
        if portico and nginx and nginx.rate():
            rate_ratio = portico.rate() / nginx.rate()
            if scenario in ("http_keepalive", "https_keepalive"):
                met = rate_ratio >= 1.0 and portico.p99() <= nginx.p99()
                verdicts.append((f"{title}: ≥ 1.0× nginx requests/s, p99 ≤ nginx's",
                                 f"{rate_ratio:.2f}×, p99 {portico.p99():.2f} ms vs {nginx.p99():.2f} ms",
                                 met))
            elif variant == "full":
                verdicts.append(("New TLS handshakes per second: ≥ 0.9× nginx",
                                 f"{rate_ratio:.2f}×", rate_ratio >= 0.9))
    out.append("")


def banner_section(records, out, verdicts):
    banner = group(records, "banner", "banner")
    plain = group(records, "banner", "plain")
    if not banner:
        return
    out.append("## Banner page\n")
    out.append("`/` gets the tenant's banner (Portico's streaming filter; nginx `sub_filter`); "
               "`/home` is the same page from the upstream without it.\n")
    out.append("| peer | page | requests/s | banner ÷ plain | × nginx (same page) | p99 latency, ms "
               "| requests per CPU-second | proxy CPU busy | errors | non-2xx |")
    out.append("|---|---|---|---|---|---|---|---|---|---|")
    for peer in ordered(set(banner) | set(plain)):
        for name, figures in (("`/` with banner", banner), ("`/home` plain", plain)):
            f = figures.get(peer)
            if not f:
                continue
            nginx = figures.get("nginx")
            own = ratio(banner[peer].rate(), plain[peer].rate()) if peer in banner and peer in plain else "–"
            out.append(f"| {peer} | {name} | {spread(f.rates)} | {own if figures is banner else ''} "
                       f"| {ratio(f.rate(), nginx and nginx.rate())} | {spread(f.p99_ms, digits=2)} "
                       f"| {spread(f.per_cpu)} | {busy(f)} | {f.errors} | {f.non_2xx} |")
    out.append("")
    if "portico" in banner and "portico" in plain:
        own = banner["portico"].rate() / plain["portico"].rate()
        verdicts.append(("Banner page: ≥ 0.9× Portico's plain page", f"{own:.2f}×", own >= 0.9))
        if "nginx" in banner:
            versus = banner["portico"].rate() / banner["nginx"].rate()
            verdicts.append(("Banner page: ahead of nginx with sub_filter", f"{versus:.2f}×",
                             versus > 1.0))


def memory_section(records, out, verdicts):
    runs = defaultdict(list)
    for record in records:
        if record.get("scenario") == "idle_memory":
            runs[record["peer"]].append(record)
    if not runs:
        return
    out.append("## Memory per idle keep-alive connection\n")
    out.append("RSS of the proxy process (nginx: its worker) once a base of idle connections is "
               "open, and after the measured ones are opened too; every connection served one "
               "request first (connections open 128 at a time). Bytes per connection: (after − "
               "before) ÷ measured connections, what each further idle connection costs. The last "
               "column counts from before the base instead: it adds the one-off growth of opening "
               "connections (requests in flight) to the idle ones. Kernel socket buffers are not in RSS.\n")
    out.append("| peer | base + measured connections / still open at the end (fewest of the runs) "
               "| RSS before the base, MiB | RSS before, MiB | RSS after, MiB "
               "| bytes per connection | × nginx | counting from before the base, bytes per connection |")
    out.append("|---|---|---|---|---|---|---|---|")
    per_connection = {}
    from_start = {}
    for peer in ordered(runs):
        values, totals = [], []
        for r in runs[peer]:
            opened = r["load"].get("open", 0)
            if opened:
                values.append((r["rss_after_kib"] - r["rss_before_kib"]) * 1024 / opened)
            everything = opened + r.get("base_connections", 0)
            if everything and "rss_start_kib" in r:
                totals.append((r["rss_after_kib"] - r["rss_start_kib"]) * 1024 / everything)
        per_connection[peer] = values
        from_start[peer] = totals
    nginx = median_or_none(per_connection.get("nginx", []))
    for peer in ordered(runs):
        rs = runs[peer]
        opened = min(r["load"].get("open", 0) for r in rs)
        base = min(r.get("base_connections", 0) for r in rs)
        held = min(r.get("hold", {}).get("still_open", 0) for r in rs)
        out.append(f"| {peer} | {base:,} + {opened:,} / {held:,} "
                   f"| {spread([r.get('rss_start_kib', r['rss_before_kib']) for r in rs], 1 / 1024, 1)} "
                   f"| {spread([r['rss_before_kib'] for r in rs], 1 / 1024, 1)} "
                   f"| {spread([r['rss_after_kib'] for r in rs], 1 / 1024, 1)} "
                   f"| {spread(per_connection[peer])} | {ratio(median_or_none(per_connection[peer]), nginx)} "
                   f"| {spread(from_start[peer]) if from_start[peer] else ''} |")
    out.append("")
    if per_connection.get("portico") and nginx:
        mine = statistics.median(per_connection["portico"])
        verdicts.append(("Memory per idle keep-alive connection: ≤ nginx's",
                         f"{mine:,.0f} B vs {nginx:,.0f} B", mine <= nginx))


def tenants_section(records, out, verdicts):
    runs = [r for r in records if r.get("scenario") == "tenants_big"]
    if not runs:
        return
    tenants = runs[0]["tenants"]
    loads = [r["load_seconds"] for r in runs]
    walls = [x["wall_seconds"] for r in runs for x in r["reloads"]]
    logged = [x["logged_seconds"] for r in runs for x in r["reloads"]]
    requests = sum(r["load"]["completed"] for r in runs)
    failed = sum(r["load"]["errors"] + r["load"]["non_2xx"] for r in runs)
    out.append(f"## {tenants:,} tenants: load and reload (Portico)\n")
    tls = ("with https (the wildcard certificate and the sampled custom-domain certificates; "
           "the other custom domains have none)" if runs[0].get("tls") else "without https")
    out.append("Load: from starting the process to its `started` log line. Reload: from SIGHUP to the "
               "`reloaded` line (wall), and the build time that line logs. wrk keeps requesting hosts "
               f"of the whole table from before the first reload to after the last. Config {tls}.\n")
    out.append("| load, s | reload (SIGHUP → reloaded), s | reload as logged, s | reloads | "
               "requests during the reload runs | failed (errors + non-2xx) |")
    out.append("|---|---|---|---|---|---|")
    out.append(f"| {spread(loads, digits=3)} | {spread(walls, digits=3)} | {spread(logged, digits=3)} "
               f"| {len(walls)} | {requests:,} | {failed} |")
    out.append("")
    verdicts.append((f"{tenants:,} tenants: load under 1 s", f"max {max(loads):.3f} s", max(loads) < 1))
    if walls:
        verdicts.append((f"{tenants:,} tenants: reload under 1 s, no request failing",
                         f"max {max(walls):.3f} s, {failed} failed", max(walls) < 1 and failed == 0))


def micro_section(path, out, verdicts):
    if not path or not os.path.exists(path):
        return
    with open(path, encoding="utf-8") as source:
        data = json.load(source)
    runs = defaultdict(list)
    for bench in data.get("benchmarks", []):
        if bench.get("run_type") == "iteration":
            runs[bench["run_name"]].append(bench)
    if not runs:
        return
    out.append("## Microbenchmarks (Google Benchmark, pinned to the proxy CPU)\n")
    out.append("| benchmark | ns per operation (CPU time) | MB/s | note |")
    out.append("|---|---|---|---|")
    for name, reps in runs.items():
        unit = reps[0].get("time_unit", "ns")
        scale = {"ns": 1, "us": 1e3, "ms": 1e6, "s": 1e9}[unit]
        times = [b["cpu_time"] * scale for b in reps]
        rates = [b["bytes_per_second"] / 1e6 for b in reps if "bytes_per_second" in b]
        note = reps[0].get("label", "")
        if "found_ratio" in reps[0]:
            note = f"{reps[0]['found_ratio']:.0%} of lookups find a tenant"
        out.append(f"| `{name}` | {spread(times, digits=1)} | {spread(rates, digits=0) if rates else ''} | {note} |")
        if name == "BM_HostTableFind/1000000":
            median = statistics.median(times)
            floor = runs.get("BM_MemoryLatency")
            floor_note = ""
            if floor:
                floor_ns = statistics.median(b["cpu_time"] for b in floor)
                floor_note = f" (one cache miss on this machine, `BM_MemoryLatency`: {floor_ns:.1f} ns)"
            verdicts.append(("Host resolution: under 100 ns per lookup at 1M tenants",
                             f"{median:.1f} ns{floor_note}", median < 100))
    out.append("")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", required=True)
    parser.add_argument("--micro")
    parser.add_argument("--out", required=True)
    parser.add_argument("--commit", required=True)
    parser.add_argument("--date", required=True)
    parser.add_argument("--started", type=int, required=True)
    parser.add_argument("--finished", type=int, required=True)
    parser.add_argument("--load-before", default="?")
    parser.add_argument("--portico", required=True)
    parser.add_argument("--knobs", default="")
    parser.add_argument("--smoke", action="store_true")
    args = parser.parse_args()

    records = load_records(args.results)
    knobs = dict(line.split("=", 1) for line in args.knobs.splitlines() if "=" in line)
    out = ["# Portico benchmark kit: results\n"]
    if args.smoke:
        out.append("> **SMOKE RUN.** Short durations and/or fewer than three runs: this file proves "
                   "the kit works end to end. Its figures are not measurements; do not compare "
                   "them or quote them.\n")
    minutes = (args.finished - args.started) / 60
    out.append(f"- Date: {args.date}; commit `{args.commit}`; scenarios took {minutes:.1f} min "
               f"(load average before: {args.load_before})")
    out.extend(machine_lines(args.portico))
    out.append(f"- Pinning (taskset, the same for every peer): proxy on CPU {knobs.get('BENCH_PROXY_CPUS', '?')}; "
               f"load generator on CPU {knobs.get('BENCH_CLIENT_CPUS', '?')}; upstream (demo_portal, "
               f"one thread) on CPU {knobs.get('BENCH_UPSTREAM_CPUS', '?')}. Each proxy runs one worker "
               f"(Portico `workers = 1`, nginx `worker_processes 1`, HAProxy `nbthread 1`).")
    out.append(f"- Each figure: median of {knobs.get('BENCH_RUNS', '?')} runs of "
               f"{knobs.get('BENCH_DURATION', '?')} s (after {knobs.get('BENCH_WARMUP', '?')} s of "
               f"warm-up), with (min–max). Ratios divide medians measured in this same run.")
    out.append(f"- Table: {int(knobs.get('BENCH_TENANTS', '0')):,} tenants, each with a subdomain and a "
               f"custom domain ({2 * int(knobs.get('BENCH_TENANTS', '0')):,} hosts); TLS names: "
               f"{knobs.get('BENCH_TLS_SUBDOMAINS', '?')} subdomains (wildcard certificate) and "
               f"{knobs.get('BENCH_TLS_CUSTOM', '?')} custom domains (a certificate each). "
               f"Connections: {knobs.get('BENCH_CONNECTIONS', '?')} keep-alive, "
               f"{knobs.get('BENCH_TLS_CONNECTIONS', '?')} in flight for handshakes. "
               f"Page: `{knobs.get('BENCH_PATH', '?')}`.")
    sizes = {r["peer"]: r["bytes"] for r in records if r.get("scenario") == "page_size"}
    if sizes:
        out.append("- Bytes of the plain page as each peer delivers it (the demo page lists the "
                   "context headers it received, so more headers make a longer page): " +
                   ", ".join(f"{peer} {sizes[peer]:,}" for peer in ordered(sizes)))
    out.append("- Knobs: " + ", ".join(f"`{k}={v}`" for k, v in knobs.items()))
    out.append("")

    verdicts = []
    throughput_section(records, out, verdicts)
    banner_section(records, out, verdicts)
    memory_section(records, out, verdicts)
    tenants_section(records, out, verdicts)
    micro_section(args.micro, out, verdicts)

    if verdicts:
        out.append("## Targets (issue 8)\n")
        out.append("| target | measured | met |")
        out.append("|---|---|---|")
        for target, measured, met in verdicts:
            judged = "not judged (smoke run)" if args.smoke else ("yes" if met else "**no**")
            out.append(f"| {target} | {measured} | {judged} |")
        out.append("")
    with open(args.out, "w", encoding="utf-8") as target:
        target.write("\n".join(out))


if __name__ == "__main__":
    main()
