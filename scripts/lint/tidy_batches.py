#!/usr/bin/env python3
"""Groups the files scripts/lint.sh gives to clang-tidy into batches.

clang-tidy's checks walk the whole AST of a translation unit, the third-party
headers included (measured: an HTTP source spends ~13 s of CPU in checks, most
of it in Beast and gRPC headers, whether or not they come from a PCH). Files
of one target share their flags and most of their headers, so a batch of up
to BATCH such files is analysed as one translation unit that #includes them,
and the headers are walked once per batch instead of once per file (8 HTTP
sources: 19 s of CPU batched, 51 s one by one). Diagnostics in the included
files are reported through --header-filter (lint.sh).

Usage: tidy_batches.py COMPILE_COMMANDS OUT_DIR FILE...
Writes OUT_DIR/compile_commands.json (one entry per batch, the PCH flags
removed so that clang-tidy does not depend on the PCH files), the batch files
OUT_DIR/batch_<n>.cpp, and OUT_DIR/batches.json ({batch file: [members]}),
and prints the batch files, one per line. A file whose command differs from
every other's is its own batch (its original entry). lint.sh re-runs the
members of a batch one by one when the batch does not compile (two files that
define the same name at namespace scope, as a unity build would).
"""
import json
import os
import re
import shlex
import sys

BATCH = 8
PCH = re.compile(r" -Xclang -include(?:-pch)? -Xclang \S+| -Xclang -fno-pch-timestamp")


def main() -> None:
    db_path, out_dir, *files = sys.argv[1:]
    os.makedirs(out_dir, exist_ok=True)
    wanted = {os.path.realpath(f) for f in files}
    groups: dict[tuple[str, str], list[dict]] = {}
    for entry in json.load(open(db_path)):
        path = os.path.realpath(os.path.join(entry["directory"], entry["file"]))
        if path not in wanted:
            continue
        command = PCH.sub("", entry["command"])
        # The command without its input and output: what makes two files
        # compile alike.
        key_command = command.replace(entry["file"], "@IN@")
        key_command = re.sub(r" -o \S+", " -o @OUT@", key_command)
        entry = dict(entry, command=command, file=path)
        groups.setdefault((entry["directory"], key_command), []).append(entry)

    db_out, batches = [], {}
    for (directory, key_command), entries in sorted(groups.items()):
        entries.sort(key=lambda e: e["file"])
        for start in range(0, len(entries), BATCH):
            chunk = entries[start:start + BATCH]
            members = [e["file"] for e in chunk]
            if len(chunk) == 1:
                db_out.append(chunk[0])
                batches[chunk[0]["file"]] = members
                continue
            name = os.path.join(os.path.realpath(out_dir), f"batch_{len(batches)}.cpp")
            with open(name, "w") as f:
                for m in members:
                    f.write(f'#include "{m}"  // NOLINT(bugprone-suspicious-include)\n')
            command = key_command.replace("@IN@", shlex.quote(name)).replace(
                "@OUT@", shlex.quote(name + ".o"))
            db_out.append({"directory": directory, "command": command, "file": name})
            batches[name] = members
    # The members' own entries too, for the one-by-one re-run.
    for entries in groups.values():
        db_out.extend(e for e in entries if len(batches.get(e["file"], [])) != 1)
    json.dump(db_out, open(os.path.join(out_dir, "compile_commands.json"), "w"))
    json.dump(batches, open(os.path.join(out_dir, "batches.json"), "w"), indent=1)
    for name in batches:
        print(name)


if __name__ == "__main__":
    main()
