#!/usr/bin/env bash
# The book rendered for reading: book.md -> Runs/book/book.html (not committed), with the
# figures, a table of contents and MathJax for any TeX maths, all from Debian packages and
# offline (MathJax is the local copy from libjs-mathjax).
#
#   Scripts/render-book.sh            write Runs/book/book.html
#   Scripts/render-book.sh --check    ... then open it in headless Chromium and check that
#                                     every figure loads and every formula renders; counts,
#                                     and screenshots in Runs/book/
#
# Needs: apt-get install -y pandoc libjs-mathjax chromium fonts-dejavu-core
# (chromium only for --check). MATHJAX_JS overrides where MathJax.js is.
#
# book.html refers to the figures as ../../Figures/..., so it works opened from
# Runs/book/ in a checkout (copy the folder elsewhere and the figures stay behind).
# The book's <!-- n: --> and <!-- quote: --> markers are for the tools that keep the book
# and the code in step; they are left out of the HTML.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"

install_hint="apt-get install -y pandoc libjs-mathjax chromium fonts-dejavu-core"
die() { echo "render-book.sh: $*" >&2; exit 1; }

check=false
case "${1:-}" in
    "") ;;
    --check) check=true ;;
    *) echo "usage: Scripts/render-book.sh [--check]" >&2; exit 2 ;;
esac

command -v pandoc >/dev/null || die "pandoc is missing; install it with: $install_hint"
mathjax="${MATHJAX_JS:-/usr/share/javascript/mathjax/MathJax.js}"
[ -f "$mathjax" ] || die "MathJax is missing ($mathjax); install it with: $install_hint"
# TeX in, CommonHTML out; MathJax 2.7 finds its fonts and extensions beside MathJax.js.
mathjax_url="file://$mathjax?config=TeX-AMS_CHTML"

out=Runs/book
mkdir -p "$out"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cat > "$work/book.lua" <<'LUA'
-- Figures are written from the repository root (Figures/...); book.html is two levels down.
function Image(img)
  if not img.src:match('^%a[%w+.-]*:') and not img.src:match('^/') then
    img.src = '../../' .. img.src
  end
  return img
end
-- Figures side by side in one paragraph are shown small: each links to its full size.
function Para(para)
  local images = 0
  for _, inline in ipairs(para.content) do
    if inline.t == 'Image' then images = images + 1 end
  end
  if images < 2 then return nil end
  return pandoc.Para(para.content:map(function (inline)
    if inline.t == 'Image' then return pandoc.Link({inline}, inline.src) end
    return inline
  end))
end
-- Drop HTML comments (the book's <!-- n: --> and <!-- quote: --> markers).
local function is_comment(raw)
  if raw.format ~= 'html' then return false end
  local _, opens = raw.text:gsub('<!%-%-', '')
  return opens == 1 and raw.text:match('^%s*<!%-%-') and raw.text:match('%-%->%s*$')
end
function RawInline(raw) if is_comment(raw) then return {} end end
function RawBlock(raw) if is_comment(raw) then return {} end end
-- The italic line under the title is the book's subtitle.
function Pandoc(doc)
  local i = 1
  if doc.blocks[i] and doc.blocks[i].t == 'Header' and doc.blocks[i].level == 1 then i = 2 end
  local b = doc.blocks[i]
  if b and b.t == 'Para' and #b.content == 1 and b.content[1].t == 'Emph' and not doc.meta.subtitle then
    doc.meta.subtitle = pandoc.MetaInlines(b.content[1].content)
    doc.blocks:remove(i)
  end
  return doc
end
LUA

cat > "$work/style.html" <<'CSS'
<style>
  /* DejaVu has every symbol the book's Unicode maths uses (∂ ⊙ ᵀ ⁻¹ ᵢ ⱼ x̂ ...), so
     prose formulas come out in one font, and the columns of the displayed ones line up. */
  html { font-family: "DejaVu Serif", Georgia, serif; font-size: 18px; }
  body { max-width: 46em; }
  code, pre { font-family: "DejaVu Sans Mono", monospace; font-size: 0.85em; }
  pre code { font-size: 1em; }
  pre { overflow-x: auto; background: #f6f6f6; padding: 0.5em 0.7em; }
  figure { margin: 1.5em 0; text-align: center; }
  figcaption { font-size: 0.9em; color: #505050; }
  /* A paragraph of two or three figures (MLE, ADV, hybrid) shows them side by side. */
  p > a:first-child:nth-last-child(2), p > a:first-child:nth-last-child(2) ~ a { display: inline-block; width: 49%; }
  p > a:first-child:nth-last-child(3), p > a:first-child:nth-last-child(3) ~ a { display: inline-block; width: 32%; }
  p > a > img { width: 100%; }
  table { margin: 1em 0; font-size: 0.9em; }
  td, th { vertical-align: top; }
</style>
CSS

# render INPUT OUTPUT [PANDOC-OPTION...]
render() {
    local input="$1" output="$2"; shift 2
    # --mathjax makes pandoc write TeX as \(...\) and \[...\] for MathJax; the math
    # variable loads MathJax on every page, even one without TeX, so --check can see it run.
    # -raw_tex: a TeX command outside $...$ stays visible text (pandoc would drop it).
    pandoc "$input" --from markdown-raw_tex --to html5 --standalone \
        --mathjax="$mathjax_url" \
        --variable math="<script src=\"$mathjax_url\" type=\"text/javascript\"></script>" \
        --lua-filter "$work/book.lua" --include-in-header "$work/style.html" \
        --output "$output" "$@"
}

start=$SECONDS
# The first heading, '# Flow-GAN in Swift', becomes the title; chapters are then level 1.
render book.md "$out/book.html" --toc --toc-depth=2 --shift-heading-level-by=-1
echo "wrote $out/book.html ($((SECONDS - start)) s); open file://$root/$out/book.html"
$check || exit 0

# ---------------------------------------------------------------------------- --check
command -v chromium >/dev/null || die "chromium is missing; install it with: $install_hint"
command -v python3 >/dev/null || die "python3 is missing"
command -v fc-list >/dev/null || die "fc-list is missing; install it with: $install_hint"

# A page is checked in a copy that, once loaded, writes what the browser saw into the
# DOM: each image's decoded size, and MathJax's version once its queue is empty.
check_script='<script>
// For a screenshot of one place: book-check.html#block-K starts the page at block K of the body.
document.addEventListener("DOMContentLoaded", function () {
  const k = /^#block-(\d+)$/.exec(location.hash);
  if (k) [...document.body.children].slice(0, +k[1]).forEach(function (e) { e.remove(); });
});
window.addEventListener("load", function () {
  for (const img of document.images)
    img.setAttribute("data-check-size", img.naturalWidth + "x" + img.naturalHeight);
  if (window.MathJax && MathJax.Hub)
    MathJax.Hub.Queue(function () { document.body.setAttribute("data-check-mathjax", MathJax.version); });
});
</script>'
instrument() {  # instrument HTML COPY
    python3 - "$1" "$2" "$check_script" <<'PY'
import sys
html = open(sys.argv[1], encoding="utf-8").read()
open(sys.argv[2], "w", encoding="utf-8").write(html.replace("</body>", sys.argv[3] + "\n</body>", 1))
PY
}
chrome() { timeout 180 chromium --headless --disable-gpu --no-sandbox --hide-scrollbars \
    --virtual-time-budget=20000 "$@" 2>/dev/null; }

# A page of known TeX, rendered the same way: proof that MathJax works offline even
# while book.md itself has no TeX (its maths may all be Unicode text).
cat > "$work/probe.md" <<'MD'
---
title: MathJax probe
---
Inline $\log p_X(x) = \log p_Z(z) - \log \left|\det \frac{\partial f}{\partial z}\right|$ and displayed:

$$y_b = x_b \odot \exp\big(s(x_a)\big) + t(x_a), \qquad \log|\det J| = \sum_i s_i(x_a).$$
MD
render "$work/probe.md" "$out/mathjax-probe.html"

rm -f "$out"/screenshot-*.png
instrument "$out/book.html" "$out/book-check.html"
instrument "$out/mathjax-probe.html" "$out/mathjax-probe-check.html"
for page in book mathjax-probe; do
    chrome --dump-dom "file://$root/$out/$page-check.html" > "$out/$page-dom.html" ||
        die "chromium failed to open $out/$page-check.html"
done
fc-list --format '%{charset}\n' > "$work/charsets.txt"
pandoc book.md --from markdown-raw_tex --to json > "$work/book.json"

set +e
python3 - "$out" "$work/charsets.txt" "$work/book.json" <<'PY'
import html.parser, json, os, re, sys

out, charsets, ast = sys.argv[1:4]
problems = []

class Page(html.parser.HTMLParser):
    """What a reader sees: images, MathJax's output, and the text outside code."""
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
            "source", "track", "wbr"}
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack = []            # open tags: (tag, in code, in MathJax's output, in pandoc's maths)
        self.images, self.frames, self.tex = [], [], []
        self.prose, self.code = [], []
        self.body = {}
        self.anchors = []          # (kind, id of the heading above it, index of its block in body)
        self.heading, self.block = None, -1
    def _top(self):
        return self.stack[-1] if self.stack else ("", False, False, False)
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        _, in_code, in_mj, in_math = self._top()
        classes = (a.get("class") or "").split()
        if tag == "body":
            self.body = a
        if self.stack and self.stack[-1][0] == "body":
            self.block += 1
        if re.fullmatch(r"h[1-6]", tag) and a.get("id"):
            self.heading = a["id"]
        if tag == "img":
            self.images.append(a)
            self.anchors.append(("figure", self.heading, self.block))
        if re.fullmatch(r"MathJax-Element-\d+-Frame", a.get("id") or ""):
            a["in_math"] = in_math
            self.frames.append(a)
        if tag == "span" and "math" in classes and not in_mj:
            self.anchors.append(("formula", self.heading, self.block))
        if tag == "script" and (a.get("type") or "").startswith("math/tex"):
            self.tex.append("")
        if tag == "pre" and not in_code and "sourceCode" not in classes:
            self.anchors.append(("display", self.heading, self.block))
        if tag in self.VOID:
            return
        self.stack.append((tag,
                           in_code or tag in ("pre", "code", "script", "style", "title"),
                           in_mj or bool({"mjx-chtml", "MathJax_CHTML", "MathJax_Preview"} & set(classes))
                           or tag == "script" and (a.get("type") or "").startswith("math/tex"),
                           in_math or tag == "span" and "math" in classes))
    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                return
    def handle_data(self, data):
        tag, in_code, in_mj, _ = self._top()
        if tag == "script" and in_mj and self.tex:  # a formula's TeX, as MathJax read it
            self.tex[-1] += data
        elif not in_mj:
            (self.code if in_code else self.prose).append(data)

def parse(path):
    p = Page()
    p.feed(open(path, encoding="utf-8").read())
    return p

def mathjax_counts(name, page, expected):
    ran = page.body.get("data-check-mathjax")
    if not ran:
        problems.append(f"{name}: MathJax did not run (no MathJax.Hub, or it never finished)")
    bad = [f for f in page.frames if "merror" in f.get("data-mathml", "")
           or 'mathcolor="red"' in f.get("data-mathml", "")]
    ok = sum(1 for f in page.frames if f["in_math"] and f not in bad)
    failing = expected - ok
    if failing:
        problems.append(f"{name}: {failing} formula(s) failing")
    return ran, ok, failing, bad

# The book as pandoc wrote it, and as Chromium showed it.
source = parse(os.path.join(out, "book.html"))
dom = parse(os.path.join(out, "book-dom.html"))
book_md = open("book.md", encoding="utf-8").read().splitlines()

# Every figure: the file exists, and Chromium decoded it.
missing = [i["src"] for i in source.images
           if not os.path.isfile(os.path.normpath(os.path.join(out, i["src"])))]
for src in missing:
    problems.append(f"figure file missing: {src}")
unloaded = [i.get("src") for i in dom.images if i.get("data-check-size", "0x0").startswith("0x")]
for src in unloaded:
    if src not in missing:
        problems.append(f"figure did not load in Chromium: {src}")
print(f"images: {len(source.images)} in book.html, {len(source.images) - len(missing)} files found, "
      f"{len(dom.images) - len(unloaded)} loaded in Chromium")

# TeX maths: MathJax ran, each TeX formula pandoc found came out as MathJax's output.
tex_spans = sum(1 for kind, *_ in source.anchors if kind == "formula")
ran, ok, failing, bad = mathjax_counts("book.html", dom, tex_spans)
print(f"TeX formulas: {tex_spans} in book.html, {ok} rendered by MathJax {ran or '(did not run)'}, {failing} failing"
      + (f" (and {extra} typeset from \\( \\) in the text)" if (extra := sum(not f["in_math"] for f in dom.frames)) else ""))
def lines_of(tex):  # the book.md lines a formula's first line is on (a guess for short ones)
    first = tex.strip().splitlines()[0].strip() if tex.strip() else ""
    where = [str(i) for i, line in enumerate(book_md, 1) if first and first in line]
    return ", ".join(where[:3]) + (", ..." if len(where) > 3 else "") or "?"

# Every formula with the book.md lines it is on, to read over: a stray pair of dollar
# signs in prose would show up here as a formula.
with open(os.path.join(out, "formulas.txt"), "w", encoding="utf-8") as f:
    for t in dom.tex:
        f.write(f"book.md line {lines_of(t)}: {' '.join(t.split())}\n")
if tex_spans:
    print(f"  each formula and its line: {out}/formulas.txt")
for frame in bad:
    n = int(re.findall(r"\d+", frame["id"])[0])
    t = dom.tex[n - 1] if n <= len(dom.tex) else ""
    print(f"  MathJax error, book.md line {lines_of(t)}: {' '.join(t.split())[:120]}")

# Raw TeX or comment markers left in the text a reader sees (outside code). Pandoc leaves
# dollars that cannot delimit maths as text ("$5 and $10", "echo $HOME and $PATH"); what
# is flagged is a pair of them around TeX-looking text ("$ \alpha $"), or \( \[ $$.
prose = re.sub(r"\s+", " ", "".join(dom.prose))
for pattern, what in ((r"\$[^$]*?[\\^_{][^$]*?\$|\$\$", "raw $...$ TeX"), (r"\\\(|\\\[", "raw \\( or \\[ TeX"),
                      (r"<!--|-->", "an HTML comment marker")):
    for m in re.finditer(pattern, prose):
        problems.append(f"{what} in the text: ...{prose[max(m.start() - 40, 0):m.end() + 40]}...")

# Markdown taking a Unicode formula for markup: p*(k) ... p*(k) read as emphasis, a~b~ as
# a subscript, x^2^ as a superscript, <b> as an HTML tag. The book uses none of these on
# purpose (its emphasis starts after a space), so each is shown with its book.md line.
def text(node):
    if isinstance(node, list):
        return "".join(text(n) for n in node)
    if isinstance(node, dict):
        return node["c"] if node.get("t") == "Str" else " " if node.get("t") in ("Space", "SoftBreak") \
            else text(node.get("c"))
    return ""
def hazards(node):
    if isinstance(node, list):
        for k, item in enumerate(node):
            if isinstance(item, dict) and item.get("t") in ("Emph", "Strong") and k > 0 \
                    and isinstance(node[k - 1], dict) and node[k - 1].get("t") == "Str" \
                    and node[k - 1]["c"][-1:].isalnum():
                star = "*" if item["t"] == "Emph" else "**"
                yield f"{node[k - 1]['c']}{star}{text(item['c'])}{star} read as {item['t'].lower()}", star + text(item["c"])[:8]
            elif isinstance(item, dict) and item.get("t") in ("Subscript", "Superscript", "Strikeout"):
                yield f"'{text(item['c'])}' read as {item['t'].lower()}", text(item["c"])[:8]
            elif isinstance(item, dict) and item.get("t") in ("RawInline", "RawBlock") \
                    and not item["c"][1].lstrip().startswith("<!--"):
                yield f"{item['c'][1].strip()[:40]!r} read as raw {item['c'][0]}", item["c"][1].strip()[:12]
            yield from hazards(item)
    elif isinstance(node, dict):
        yield from hazards(node.get("c"))
seen = {}
for what, needle in hazards(json.load(open(ast, encoding="utf-8"))["blocks"]):
    where = [i for i, line in enumerate(book_md, 1) if needle in line]
    k = seen[needle] = seen.get(needle, -1) + 1  # the k-th time: most likely the k-th line
    problems.append(f"book.md line {where[min(k, len(where) - 1)] if where else '?'}: {what}")

# The Unicode maths: every character on the page (outside MathJax, which brings its own
# fonts) has some installed font, so Chromium draws no empty boxes.
covered = []
for line in open(charsets, encoding="utf-8"):
    for r in line.split():
        lo, _, hi = r.partition("-")
        covered.append((int(lo, 16), int(hi or lo, 16)))
chars = sorted({c for c in prose + "".join(dom.code) if ord(c) > 127})
uncovered = [c for c in chars if not any(lo <= ord(c) <= hi for lo, hi in covered)]
for c in uncovered:
    problems.append(f"no installed font has U+{ord(c):04X} {c!r}")
print(f"Unicode symbols: {len(chars)} distinct outside ASCII, {len(chars) - len(uncovered)} with a font")
displays = sum(1 for kind, *_ in source.anchors if kind == "display")
print(f"displayed Unicode formulas and other plain code blocks: {displays}")

# The MathJax probe: known TeX, rendered offline by the same command.
probe = parse(os.path.join(out, "mathjax-probe-dom.html"))
ran, ok, failing, _ = mathjax_counts("MathJax probe", probe, 2)
print(f"MathJax probe: {ok} of 2 formulas rendered by MathJax {ran or '(did not run)'}, {failing} failing")

# Where to take screenshots (from two blocks before): the first figure nearest to a
# formula, and the first TeX formula, or failing that the first displayed Unicode one.
def of(*kinds):
    return [(h, b) for k, h, b in source.anchors if k in kinds]
figures, maths = of("figure"), of("formula") or of("display")
shots = []
if figures and maths:
    (h, f), (_, m) = min(((x, y) for x in figures for y in maths), key=lambda p: abs(p[0][1] - p[1][1]))
    shots.append(("figure-and-formula", max(min(f, m) - 2, 0), h))
if maths and maths[0][1] - 2 != (shots[0][1] if shots else None):
    shots.append(("formula", max(maths[0][1] - 2, 0), maths[0][0]))
with open(os.path.join(out, "shots.txt"), "w") as f:
    for name, block, heading in shots:
        f.write(f"{name} {block} {heading}\n")

for p in problems:
    print("PROBLEM: " + p)
print("check: " + ("passed" if not problems else f"{len(problems)} problem(s)"))
sys.exit(1 if problems else 0)
PY
status=$?
set -e

while read -r name block heading; do
    chrome --window-size=1200,2000 --screenshot="$root/$out/screenshot-$name.png" \
        "file://$root/$out/book-check.html#block-$block" >/dev/null || status=1
    echo "screenshot of the $name in #$heading: $out/screenshot-$name.png"
done < "$out/shots.txt"
chrome --window-size=1200,2000 --screenshot="$root/$out/screenshot-top.png" \
    "file://$root/$out/book.html" >/dev/null || status=1
echo "screenshot of the title and contents: $out/screenshot-top.png"
echo "check took $((SECONDS - start)) s"
exit $status
