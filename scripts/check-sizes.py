#!/usr/bin/env python3
"""Fails if a Rust source file is over the size a reader can hold.

    scripts/check-sizes.py 450 app/src server/src frontend/src

Counts each file's lines without its test module at the end (`#[cfg(test)]
mod tests`) and skips files that are tests themselves (`tests.rs`). Prints
each file over the limit with its count and exits 1; prints nothing and
exits 0 otherwise.
"""

import re
import sys
from pathlib import Path


def lines_outside_tests(file: Path) -> int:
    text = file.read_text()
    cut = re.search(r"^#\[cfg\(test\)\]\s*\nmod tests\b", text, re.M)
    if cut:
        text = text[: cut.start()]
    return text.count("\n")


def main() -> int:
    limit, roots = int(sys.argv[1]), sys.argv[2:]
    over = []
    for root in roots:
        for file in sorted(Path(root).rglob("*.rs")):
            if file.name == "tests.rs":
                continue
            count = lines_outside_tests(file)
            if count > limit:
                over.append(f"{file}: {count} lines (limit {limit})")
    for line in over:
        print(line)
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
