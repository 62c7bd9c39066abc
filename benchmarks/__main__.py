"""python -m benchmarks [--size 1k|10k|100k|classbench] [--json FILE]

Per workload: median and p99 time of sgverify, of the naive encoding and of
the exact-interval limit on the same queries, the two ratios, and whether all
three agree on every verdict (a disagreement exits 1; bad ClassBench input
exits 2, one line per problem with file:line). Timings on a shared
machine are noisy: read the ratios and medians.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile

import z3

from .classbench import DEFAULT_FOLDER, FilterError, convert_folder
from .generate import SIZES, generate
from .generate_path import SIZES as PATH_SIZES
from .run import format_table, run_cli_workloads, run_engines


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n")[0])
    parser.add_argument("--size", default="1k", choices=[*SIZES, "classbench", *PATH_SIZES])
    parser.add_argument("--json", dest="json_file", help="also write the rows as JSON here")
    parser.add_argument("--queries", type=int, default=20, help="assertions per workload")
    parser.add_argument("--naive-queries", type=int, default=None,
                        help="run the naive encoding on at most this many queries per workload")
    parser.add_argument("--naive-timeout", type=float, default=120.0, help="seconds per naive query")
    parser.add_argument("--classbench", default=os.environ.get("SGVERIFY_CLASSBENCH", DEFAULT_FOLDER),
                        help="folder of ClassBench filter files (or env SGVERIFY_CLASSBENCH)")
    parser.add_argument("--only-workload", action="append", help="run only these workloads")
    parser.add_argument("--no-cli", action="store_true", help="skip the CLI workloads (spec, diff, matrix, exposure)")
    parser.add_argument("--cli-timeout", type=float, default=900.0, help="seconds per CLI workload")
    parser.add_argument("--cli-runs", type=int, default=1, help="whole-process runs per CLI row (the median)")
    args = parser.parse_args(argv)
    if args.size in PATH_SIZES:
        return _path_main(args)
    with tempfile.TemporaryDirectory(prefix="sgbench") as folder:
        if args.size == "classbench":
            try:
                estate = convert_folder(args.classbench)
            except FilterError as error:  # bad input: one line per problem, exit 2
                print(*error.problems, sep="\n", file=sys.stderr)
                return 2
        else:
            estate = generate(SIZES[args.size])
        path = os.path.join(folder, "estate.json")
        estate.write(path)
        naive_queries = args.naive_queries if args.naive_queries is not None else (
            3 if args.size in ("100k", "300k") else args.queries)
        rows, network = run_engines(path, args.queries, naive_queries, args.naive_timeout, args.only_workload)
        if not args.no_cli:
            rows += run_cli_workloads(path, network, estate, folder, args.cli_timeout, args.cli_runs)
    print(f"size {args.size}: {estate.rules} rules, {len(estate.document['resources'])} resources; "
          f"{machine()}")
    print(format_table(rows))
    if args.json_file:
        with open(args.json_file, "w", encoding="utf-8") as out:
            json.dump({"size": args.size, "machine": machine(), "rows": [r.as_dict() for r in rows]}, out, indent=2)
    return 0 if all(r.agree is not False for r in rows) else 1


def _path_main(args) -> int:
    """A path estate, and beside it the SG-only engine on an SG estate of as many rules."""
    from .path_run import run_path

    size = PATH_SIZES[args.size]
    naive_queries = args.naive_queries if args.naive_queries is not None else min(args.queries, 5)
    rows, network = run_path(args.size, args.queries, naive_queries, args.naive_timeout)
    topology = network.topology
    print(f"size {args.size}: {sum(len(g.ingress) + len(g.egress) for g in network.groups.values())} rules, "
          f"{sum(len(a.inbound) + len(a.outbound) for a in topology.nacls.values())} NACL entries, "
          f"{sum(len(t.routes) for t in topology.route_tables.values())} routes, {len(topology.vpcs)} VPCs, "
          f"{len(topology.peerings)} peerings, {len(network.resources)} resources; {machine()}")
    print(format_table(rows))
    sg_rows = []
    if not args.no_cli:  # the SG-only side by side, same run
        sg_size = {1_000: "1k", 10_000: "10k", 100_000: "100k"}.get(size.rules)
        if sg_size:
            with tempfile.TemporaryDirectory(prefix="sgbench") as folder:
                path = os.path.join(folder, "estate.json")
                generate(SIZES[sg_size]).write(path)
                sg_rows, _ = run_engines(path, args.queries, 0, args.naive_timeout, ["deny", "only", "allow"])
            print(f"security groups only, {sg_size} estate, same run:")
            print(format_table(sg_rows))
    if args.json_file:
        with open(args.json_file, "w", encoding="utf-8") as out:
            json.dump({"size": args.size, "machine": machine(), "rows": [r.as_dict() for r in rows],
                       "sg_only_rows": [r.as_dict() for r in sg_rows]}, out, indent=2)
    return 0 if all(r.agree is not False for r in rows) else 1


def machine() -> str:
    return (f"{os.cpu_count()} cores, Python {platform.python_version()}, z3 {z3.get_version_string()}, "
            f"{platform.system()} {platform.machine()}")


if __name__ == "__main__":
    sys.exit(main())
