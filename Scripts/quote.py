#!/usr/bin/env python3
"""Prints the marked region PATH#NAME of a source file, dedented, as book.md quotes it.

Usage: Scripts/quote.py Sources/Flows/PlanarFlow.swift#planar-flow
Regions are marked with `// [book:NAME]` and `// [/book:NAME]`; BookTests checks that
every quote in book.md equals its region.
"""
import re
import sys

path, name = sys.argv[1].split("#")
text = open(path).read()
m = re.search(r"// \[book:%s\][^\n]*\n([\s\S]*?)\n[ \t]*// \[/book:%s\]" % (re.escape(name), re.escape(name)), text)
if not m:
    sys.exit(f"{path} has no region {name}")
lines = m.group(1).split("\n")
indent = min(len(l) - len(l.lstrip(" ")) for l in lines if l.strip())
print(f"<!-- quote: {path}#{name} -->")
print("```swift")
print("\n".join(l[indent:] if len(l) >= indent else l.strip() for l in lines))
print("```")
