#!/usr/bin/env python3
"""i18n_check -- does a program's text, read in the Chinese locale, fall back to English?

usage: i18n_check.py PROGRAM_NAME [COMMAND_WORD ...] < TEXT
Exit 0 when every line is Chinese or holds no English sentence; 1, listing the lines, when a
line holds one. What is allowed to stay English (docs/i18n: option names, placeholders,
command words, program names, codes, paths, hex, key=value fields) is taken out of each line
first; then three English words in a row (letters only, at least two of them lower-case
words of 3+ letters) are a sentence that was not translated.
"""
import re
import sys

prog = sys.argv[1] if len(sys.argv) > 1 else ""
words = set(sys.argv[2:])
KEEP = re.compile(r"""
      ^-                       # --option, -h
    | ^[\[(<{]?-               # [--option
    | \|                       # a|b|c value lists
    | [/\\.=_@:]               # paths, files, key=value, e.g., ERR_CODES, times, URLs
    | ^[^a-z]*$                # PLACEHOLDERS, numbers, Chinese, punctuation
    | `                        # `literal`
""", re.X)
bad = []
for n, line in enumerate(sys.stdin.read().splitlines(), 1):
    run = []
    worst = []
    for tok in line.split():
        core = tok.strip("[](){}<>,;'\"")
        if (not core or KEEP.search(core) or core == prog or core in words
                or not re.fullmatch(r"[A-Za-z][a-z]*(?:-[a-z]+)*", core)):
            run = []
            continue
        run.append(core)
        if len(run) >= 3 and sum(1 for w in run[-3:] if len(w) >= 3) >= 2:
            worst = run[-3:]
            break
    if worst:
        bad.append(f"  line {n}: {line.strip()}   <- '{' '.join(worst)}'")
if bad:
    print("English left in the Chinese text:")
    print("\n".join(bad[:40]))
    sys.exit(1)
