#!/usr/bin/env python3
"""Refreshes every quoted code block in book.md from its marked source region.

A quote is `<!-- quote: PATH#NAME -->` followed by a fenced code block (which may be
empty when first written); the block is replaced by the region between
`// [book:NAME]` and `// [/book:NAME]` in PATH, dedented. BookTests fails when a quote
and its source differ, so run this after editing quoted code, then read the diff.
"""
import re
import sys
from pathlib import Path

root = Path(__file__).resolve().parent.parent


def region(path, name):
    text = (root / path).read_text()
    m = re.search(r"// \[book:%s\][^\n]*\n([\s\S]*?)\n[ \t]*// \[/book:%s\]" % (re.escape(name), re.escape(name)), text)
    if not m:
        sys.exit(f"{path} has no region {name}")
    lines = m.group(1).split("\n")
    indent = min(len(l) - len(l.lstrip(" ")) for l in lines if l.strip())
    return "\n".join(l[indent:] if len(l) >= indent else l.strip() for l in lines)


book = root / "book.md"
text = book.read_text()
pattern = re.compile(r"(<!-- quote: ([^#\s]+)#([\w-]+) -->\s*\n```[a-z]*\n)([\s\S]*?)(```)")
text = pattern.sub(lambda m: m.group(1) + region(m.group(2), m.group(3)) + "\n" + m.group(5), text)
book.write_text(text)
