#!/usr/bin/env python3
"""The public API of the library products, as committed under api/, and its check.

    scripts/api-snapshot.py --check [--snapshot-dir api]   # exit 1 when the built API differs
    scripts/api-snapshot.py --update                       # writes api/<Module>.txt

Reads the modules of the debug build (`swift build` first) with swift-symbolgraph-extract,
public symbols only, and writes one line per symbol: its path and its declaration, sorted.
A change to what hosts use (a symbol added, removed or changed) fails the check until the
snapshot is updated in the same commit: a change to the public API is always deliberate.
"""
import argparse
import difflib
import glob
import json
import os
import subprocess
import sys
import tempfile

MODULES = ["Engine", "Stages", "PostgresStore"]
# Every public type has a symbol doc (DocC shows it; a host reads it).
TYPE_KINDS = {"swift.struct", "swift.class", "swift.enum", "swift.protocol", "swift.actor", "swift.typealias"}
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def module_maps():
    """Every C module the Swift modules import: ours, the dependencies', SwiftPM's generated ones."""
    patterns = ["Sources/*/module.modulemap", "Sources/*/include/module.modulemap", ".build/checkouts/*/Sources/*/module.modulemap",
                ".build/checkouts/*/Sources/*/include/module.modulemap", ".build/*/debug/*.build/module.modulemap"]
    found = []
    for pattern in patterns:
        found += sorted(glob.glob(os.path.join(ROOT, pattern)))
    return found


def symbols(module, modules_dir, target, scratch):
    # Members the compiler synthesizes (Equatable's !=, Hashable's hashValue…) follow the
    # toolchain, not this code: left out.
    command = ["swift-symbolgraph-extract", "-module-name", module, "-I", modules_dir, "-target", target,
               "-output-dir", scratch, "-minimum-access-level", "public", "-skip-synthesized-members"]
    for path in module_maps():
        command += ["-Xcc", "-fmodule-map-file=" + path]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"api-snapshot: cannot read module {module}: {result.stderr.strip() or result.stdout.strip()}")
    lines = set()
    undocumented = set()
    # The module's own symbols, and its extensions of other modules' types (Module@Other.symbols.json).
    for path in glob.glob(os.path.join(scratch, f"{module}.symbols.json")) + glob.glob(os.path.join(scratch, f"{module}@*.symbols.json")):
        extended = os.path.basename(path)[len(module) + 1:-len(".symbols.json")] if "@" in path else None
        for symbol in json.load(open(path))["symbols"]:
            if symbol.get("accessLevel") != "public" or symbol["pathComponents"][-1].startswith("_"):
                continue
            declaration = "".join(fragment["spelling"] for fragment in symbol.get("declarationFragments", []))
            where = ".".join(symbol["pathComponents"])
            lines.add(f"{extended + ': ' if extended else ''}{where} | {' '.join(declaration.split())}")
            if symbol["kind"]["identifier"] in TYPE_KINDS and not symbol.get("docComment", {}).get("lines"):
                undocumented.add(where)
    return sorted(lines), sorted(undocumented)


def main():
    parser = argparse.ArgumentParser()
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--check", action="store_true")
    mode.add_argument("--update", action="store_true")
    parser.add_argument("--snapshot-dir", default=os.path.join(ROOT, "api"))
    parser.add_argument("--bin-path", help="the debug build's products folder (default: `swift build --show-bin-path`)")
    args = parser.parse_args()
    bin_path = args.bin_path or subprocess.run(
        ["swift", "build", "--show-bin-path"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
    bin_path = os.path.realpath(bin_path)  # .build/debug is a link to .build/<triple>/debug
    modules_dir = os.path.join(bin_path, "Modules")
    target = os.path.basename(os.path.dirname(bin_path))
    changed = False
    for module in MODULES:
        with tempfile.TemporaryDirectory() as scratch:
            current, undocumented = symbols(module, modules_dir, target, scratch)
        if undocumented:
            changed = True
            print(f"api-snapshot: public types of {module} without a symbol doc (///): {', '.join(undocumented)}")
        if not current:
            sys.exit(f"api-snapshot: no public symbols read from {module}: is the build in {bin_path}?")
        path = os.path.join(args.snapshot_dir, f"{module}.txt")
        if args.update:
            os.makedirs(args.snapshot_dir, exist_ok=True)
            with open(path, "w") as f:
                f.write("\n".join(current) + "\n")
            print(f"{path}: {len(current)} public symbols")
            continue
        committed = open(path).read().splitlines() if os.path.exists(path) else []
        if committed != current:
            changed = True
            print(f"api-snapshot: the public API of {module} differs from {os.path.relpath(path, ROOT)}:")
            for line in difflib.unified_diff(committed, current, "committed", "built", lineterm="", n=0):
                if not line.startswith(("---", "+++", "@@")):
                    print("  " + line)
    if changed:
        print("api-snapshot: a change to the public API must come with its snapshot: run scripts/api-snapshot.py --update and commit api/")
        sys.exit(1)


if __name__ == "__main__":
    main()
