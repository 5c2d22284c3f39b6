#!/usr/bin/env python3
"""Score wsguard's findings against the hand-labelled WebSocket corpus.

Reads only the corpus manifest (public.json: paths, line numbers, labels) and the SARIF that
`wsguard scan` writes for each extracted repository folder. See docs/corpus.md.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from collections import defaultdict

# Labelled pattern -> the rules meant to find it (docs: /work/shared/corpus/README.md).
PATTERN_RULES = {
    "A": ["WSG1001"],
    "B": ["WSG1007"],
    "C": ["WSG1008"],
    "D": ["WSG1002"],
    "E": ["WSG1004", "WSG1005", "WSG1015"],
    "F": ["WSG1003", "WSG1006"],
    "G": ["WSG2001"],
    "H": ["WSG2002"],
    "I": ["WSG1009"],
    "J": ["WSG1010"],
    "K": ["WSG1011"],
    "L": ["WSG1013"],
}
RULE_PATTERN = {rule: p for p, rules in PATTERN_RULES.items() for rule in rules}
REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CLI_PROJECT = os.path.join(REPO_ROOT, "src", "WebSocketGuard.Cli", "WebSocketGuard.Cli.csproj")


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--corpus", default="/work/corpus-out", help="folder made by extract.sh (OUT/<owner>__<name>/...)")
    p.add_argument("--manifest", default="/work/shared/corpus/public.json")
    p.add_argument("--rules", default="", help="comma-separated rule ids to score (default: every rule the CLI has)")
    p.add_argument("--framework", default="net10.0", choices=["net8.0", "net10.0"], help="framework loose files compile against")
    p.add_argument("--split", default="all", help="manifest split to score (public, or all)")
    p.add_argument("--sarif-dir", default=None, help="keep each repository's SARIF here (default: a temporary folder)")
    p.add_argument("--wsguard", default=None, help="command that runs the CLI (default: build it in Release and run the dll)")
    p.add_argument("--json", default=None, help="also write the scored results as JSON to this file")
    return p.parse_args()


def cli_command(args):
    if args.wsguard:
        return args.wsguard.split()
    subprocess.run(["dotnet", "build", CLI_PROJECT, "-c", "Release", "-nologo", "-v", "q"], check=True, stdout=sys.stderr)
    dll = os.path.join(REPO_ROOT, "src", "WebSocketGuard.Cli", "bin", "Release", "net10.0", "wsguard.dll")
    return ["dotnet", dll]


def scan(cli, folder, sarif_path, framework):
    # One scan per repository so that each is its own compilation, as it would be in its own build.
    proc = subprocess.run(cli + ["scan", folder, "--sarif", sarif_path, "--framework", framework],
                          capture_output=True, text=True)
    if proc.returncode not in (0, 1):
        sys.exit(f"wsguard failed on {folder} (exit {proc.returncode}):\n{proc.stderr}")
    for line in proc.stderr.splitlines():
        if "AD0001" in line:
            print(f"!! {os.path.basename(folder)}: {line}", file=sys.stderr)
    with open(sarif_path, encoding="utf-8") as f:
        return json.load(f)


def sarif_findings(sarif):
    run = sarif["runs"][0]
    rules = [r["id"] for r in run["tool"]["driver"]["rules"]]
    findings = []
    for res in run.get("results", []):
        loc = res["locations"][0]["physicalLocation"]
        uri = loc["artifactLocation"]["uri"]
        findings.append({
            "rule": res["ruleId"],
            "path": "/".join(part for part in re.sub(r"%([0-9A-Fa-f]{2})", lambda m: chr(int(m.group(1), 16)), uri).split("/")),
            "line": loc["region"]["startLine"],
            "message": res["message"]["text"],
        })
    failures = [n["message"]["text"] for inv in run.get("invocations", []) for n in inv.get("toolExecutionNotifications", [])]
    return rules, findings, failures


def label_for(finding, labels):
    """The innermost label of the finding's pattern whose method span holds the finding's line."""
    pattern = RULE_PATTERN.get(finding["rule"])
    hits = [l for l in labels if l["pattern"] == pattern and l["method_lines"][0] <= finding["line"] <= l["method_lines"][1]]
    if not hits:
        return None
    # Innermost span first; among equals, the one whose evidence lines hold the finding.
    hits.sort(key=lambda l: (l["method_lines"][1] - l["method_lines"][0],
                             0 if l["lines"][0] <= finding["line"] <= l["lines"][-1] else 1))
    return hits[0]


def describe(label):
    return f"{label['repo']}:{label['path']}:{label['method_lines'][0]}-{label['method_lines'][1]} {label['method']} [{label['pattern']}={label['verdict']}] {label['note']}"


def main():
    args = parse_args()
    with open(args.manifest, encoding="utf-8") as f:
        manifest = json.load(f)

    cli = cli_command(args)
    sarif_dir = args.sarif_dir or tempfile.mkdtemp(prefix="wsguard-corpus-")
    os.makedirs(sarif_dir, exist_ok=True)

    available = None
    labels = []          # every label, with repo and path attached
    findings = []        # every finding, with its label (or None)
    failures = []
    for repo in manifest:
        if args.split != "all" and repo["split"] != args.split:
            continue
        folder = os.path.join(args.corpus, repo["repo"].replace("/", "__"))
        if not os.path.isdir(folder):
            sys.exit(f"missing {folder}: run extract.sh first (see docs/corpus.md)")
        repo_labels = defaultdict(list)
        for file in repo["files"]:
            for label in file["labels"]:
                entry = dict(label, repo=repo["repo"], path=file["path"], hit_by=[])
                labels.append(entry)
                repo_labels[file["path"]].append(entry)
        sarif_path = os.path.join(sarif_dir, repo["repo"].replace("/", "__") + ".sarif")
        rules, repo_findings, repo_failures = sarif_findings(scan(cli, folder, sarif_path, args.framework))
        available = set(rules) if available is None else available
        failures += [f"{repo['repo']}: {m}" for m in repo_failures]
        for finding in repo_findings:
            finding["repo"] = repo["repo"]
            label = label_for(finding, repo_labels.get(finding["path"], []))
            finding["label"] = label
            if label is not None:
                label["hit_by"].append(finding)
            findings.append(finding)

    wanted = [r.strip().upper() for r in args.rules.split(",") if r.strip()] or sorted(available or [])
    missing_rules = [r for r in wanted if r not in (available or set())]
    scored = [r for r in wanted if r in (available or set())]

    rows, details = [], []
    for rule in scored:
        pattern = RULE_PATTERN.get(rule)
        mine = [f for f in findings if f["rule"] == rule]
        tp = [l for l in labels if l["verdict"] is True and any(f["rule"] == rule for f in l["hit_by"])]
        fp = [l for l in labels if l["verdict"] is False and any(f["rule"] == rule for f in l["hit_by"])]
        unsure = [l for l in labels if l["verdict"] == "unsure" and any(f["rule"] == rule for f in l["hit_by"])]
        unlabelled = [f for f in mine if f["label"] is None]
        # A true label is missed when no rule of its pattern (among those scored) fired in the method.
        group = [r for r in PATTERN_RULES.get(pattern, []) if r in scored]
        missed = [l for l in labels if l["pattern"] == pattern and l["verdict"] is True
                  and not any(f["rule"] in group for f in l["hit_by"])]
        trues = sum(1 for l in labels if l["pattern"] == pattern and l["verdict"] is True)
        falses = sum(1 for l in labels if l["pattern"] == pattern and l["verdict"] is False)
        rows.append((rule, pattern or "-", len(mine), len(tp), len(fp), len(unsure), len(unlabelled), len(missed), trues, falses))
        details.append((rule, tp, fp, unsure, unlabelled, missed))

    print(f"\nwsguard on the labelled corpus ({args.framework}; SARIF in {sarif_dir})\n")
    header = ("rule", "pattern", "findings", "TP", "FP", "unsure", "unlabelled", "missed", "true labels", "false labels")
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)] if rows else [len(h) for h in header]
    print("  ".join(h.ljust(w) for h, w in zip(header, widths)))
    for row in rows:
        print("  ".join(str(x).ljust(w) for x, w in zip(row, widths)))
    print("\nTP/FP/unsure count labels (methods) hit; findings counts every finding of the rule.")
    if missing_rules:
        print(f"not on this build (not scored): {', '.join(missing_rules)}")

    for rule, tp, fp, unsure, unlabelled, missed in details:
        print(f"\n== {rule}")
        for title, items in (("true positives", tp), ("FALSE POSITIVES", fp), ("on unsure labels", unsure), ("missed", missed)):
            if not items:
                continue
            print(f"  {title} ({len(items)}):")
            for label in items:
                print(f"    {describe(label)}")
                for f in label["hit_by"]:
                    if f["rule"] == rule:
                        print(f"      -> line {f['line']}: {f['message']}")
        if fp and RULE_PATTERN.get(rule) == "D":
            loose = sum(1 for l in fp if "[pre-net9-no-app-ping]" in l["note"])
            print(f"  ({loose} of the false positives carry [pre-net9-no-app-ping]: true under the looser reading of D)")
        if unlabelled:
            print(f"  UNLABELLED, review by hand ({len(unlabelled)}):")
            for f in unlabelled:
                print(f"    {f['repo']}:{f['path']}:{f['line']}: {f['message']}")

    if failures:
        print("\nANALYZER FAILURES (AD0001):")
        for m in failures:
            print(f"  {m}")

    if args.json:
        def strip(label):
            return {k: v for k, v in label.items() if k != "hit_by"}
        out = {
            "framework": args.framework,
            "rows": [dict(zip(header, row)) for row in rows],
            "findings": [dict({k: v for k, v in f.items() if k != "label"}, label=strip(f["label"]) if f["label"] else None) for f in findings],
            "failures": failures,
        }
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(out, f, indent=1)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
