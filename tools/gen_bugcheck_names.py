#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Generate lib/bugcheck_names.c (the dk_bugcheck_* table) from its inputs.

Inputs (only code values and symbolic names are taken from them):
  --sdk   JSON with {"sdk16299": {"0x1": "APC_INDEX_MISMATCH", ...}}, the
          names and values of Windows SDK 10.0.16299.0 shared/bugcodes.h
          (default: /work/shared/docs/data/bugcodes_sdk16299.json).
  --docs-git  git directory of MicrosoftDocs/windows-driver-docs, read with
          `git show` (no work tree needed), or
  --docs-dir  a checked-out windows-driver-docs-pr/debugger directory.

The docs pages windows-driver-docs-pr/debugger/bug-check-0x*.md give one code
each (taken from the file name, cross-checked against the page title) and
the index page bug-check-code-reference2.md lists code/name pairs.  The table
is the union of SDK and docs.  When both name a code differently, the docs
name wins unless --prefer sdk is given (see REPORT on stderr).

Usage:
  python3 tools/gen_bugcheck_names.py --docs-git <mirror>/repo \
      -o lib/bugcheck_names.c
"""
import argparse
import json
import os
import re
import subprocess
import sys

DOCS_REPO = "MicrosoftDocs/windows-driver-docs"
DOCS_DIR = "windows-driver-docs-pr/debugger"
INDEX_PAGE = "bug-check-code-reference2.md"
SDK_DESC = ["Windows SDK 10.0.16299.0 shared/bugcodes.h, as mirrored in",
            "tpn/winsdk-10 (GitHub) @9b69fd2:",
            "Include/10.0.16299.0/shared/bugcodes.h,"]

NAME_RE = re.compile(r"^[A-Z][A-Z0-9_]*$")
PAGE_RE = re.compile(r"^bug-check-0x([0-9a-fA-F]+)[-.]")

# Codes that must be present, with the name they must carry.
REQUIRED = {
    0x1E: "KMODE_EXCEPTION_NOT_HANDLED",
    0xE2: "MANUALLY_INITIATED_CRASH",
    0x161: "LIVE_SYSTEM_DUMP",
    0x1C8: "MANUALLY_INITIATED_POWER_BUTTON_HOLD",
    0xDEADDEAD: "MANUALLY_INITIATED_CRASH1",
}


def warn(msg):
    print("gen_bugcheck_names: " + msg, file=sys.stderr)


class Docs:
    """Read access to the docs debugger directory (git dir or plain dir)."""

    def __init__(self, git_dir=None, plain_dir=None, rev="HEAD"):
        self.git_dir, self.plain_dir, self.rev = git_dir, plain_dir, rev

    def _git(self, *args):
        return subprocess.run(["git", "-C", self.git_dir] + list(args),
                              check=True, capture_output=True,
                              text=True).stdout

    def revision(self):
        if self.git_dir:
            return self._git("rev-parse", self.rev).strip()
        return None

    def names(self):
        if self.git_dir:
            out = self._git("ls-tree", "--name-only", self.rev, DOCS_DIR + "/")
            return [p.rsplit("/", 1)[-1] for p in out.split()]
        return sorted(os.listdir(self.plain_dir))

    def read(self, name):
        if self.git_dir:
            return self._git("show", "%s:%s/%s" % (self.rev, DOCS_DIR, name))
        with open(os.path.join(self.plain_dir, name), encoding="utf-8") as f:
            return f.read()


def unescape(s):
    return s.replace("\\_", "_").replace("*", "").strip()


def page_name(text):
    """Code (or None) and NAME from a page's title, falling back to its H1."""
    for pat in (r"^title:\s*(.+)$", r"^#\s+(.+)$"):
        m = re.search(pat, text, re.M)
        if not m:
            continue
        line = unescape(m.group(1))
        m2 = re.match(r"(?i)bug\s*check\s+(?:0x)?([0-9a-f]+)\s*:?\s+"
                      r"([A-Z][A-Z0-9_]*)\s*$", line)
        if m2:
            return int(m2.group(1), 16), m2.group(2)
    return None, None


def read_docs(docs):
    pages = {}   # code -> (name, file)
    for fn in docs.names():
        m = PAGE_RE.match(fn)
        if not m or not fn.endswith(".md"):
            continue
        code = int(m.group(1), 16)
        tcode, name = page_name(docs.read(fn))
        if name is None:
            warn("no title name in %s; skipped" % fn)
            continue
        if tcode != code:
            warn("%s: title code %s differs from file name; using file name"
                 % (fn, hex(tcode)))
        if code in pages and pages[code][0] != name:
            warn("0x%X: two pages (%s, %s) disagree" % (code, pages[code][1],
                                                         fn))
        pages[code] = (name, fn)

    index = {}   # code -> name
    for line in docs.read(INDEX_PAGE).splitlines():
        m = re.match(r"^\|\s*0x([0-9A-Fa-f]{1,8})\s*\|([^|]*)\|", line)
        if not m:
            continue
        # Cell is like [**NAME**](page.md); drop the link target and markup.
        cell = re.sub(r"\([^)]*\)", "", m.group(2))
        name = unescape(cell.replace("[", "").replace("]", ""))
        if NAME_RE.match(name):
            index[int(m.group(1), 16)] = name
        else:
            warn("index row for 0x%s not understood: %r" % (m.group(1), cell))
    return pages, index


# Where the two sources disagree, the newer name wins.  The docs pages for
# these codes date from 2017 and still carry the pre-Windows-10 names; the
# SDK names are the current ones.  (0x1CA's docs page is from 2021 and its
# name is the newer one, so the docs win there.)
SDK_NEWER = {0x58, 0x6E, 0x6F, 0x70, 0x11A}


def build(sdk, pages, index, prefer):
    docs = {}
    for code, name in index.items():
        docs[code] = name
    for code, (name, fn) in pages.items():
        if code in index and index[code] != name:
            warn("0x%X: index says %s, page %s says %s; using page"
                 % (code, index[code], fn, name))
        docs[code] = name

    table, docs_only, overrides = {}, [], []
    for code in sorted(set(sdk) | set(docs)):
        s, d = sdk.get(code), docs.get(code)
        if s is None:
            table[code] = (d, "docs")
            docs_only.append(code)
        elif d is None or d == s:
            table[code] = (s, None)
        elif prefer == "docs" and code not in SDK_NEWER:
            table[code] = (d, "docs name; SDK 16299: " + s)
            overrides.append((code, s, d))
        else:
            table[code] = (s, "SDK name; docs: " + d)
            overrides.append((code, s, d))
    return table, docs_only, overrides


def emit(table, docs_rev):
    rev = docs_rev[:12] if docs_rev else "(unknown revision)"
    out = []
    w = out.append
    w("/* dmpkit - bugcheck (stop) code names.")
    w(" * SPDX-License-Identifier: MIT")
    w(" *")
    w(" * GENERATED by tools/gen_bugcheck_names.py; do not edit by hand.")
    w(" *")
    w(" * Sources. Only the numeric codes and their symbolic names were taken")
    w(" * from them; no descriptive text was copied:")
    w(" *  - " + SDK_DESC[0])
    for part in SDK_DESC[1:]:
        w(" *    " + part)
    w(" *    extracted to shared/docs/data/bugcodes_sdk16299.json;")
    w(" *  - %s (GitHub) @%s:" % (DOCS_REPO, rev))
    w(" *    %s/bug-check-0x*.md (page titles) and" % DOCS_DIR)
    w(" *    %s/%s (index table)." % (DOCS_DIR, INDEX_PAGE))
    w(" * The table is the union of both. Where they name a code differently")
    w(" * the entry is marked with a comment saying which name was kept.")
    w(" * Entries marked \"docs\" appear only in the docs pages.")
    w(" */")
    w("")
    w("#include \"dmpkit/bugcheck.h\"")
    w("")
    w("/* Sorted by code, strictly ascending (binary search relies on it). */")
    w("static const dk_bugcheck_info k_bugchecks[] = {")
    for code, (name, note) in table.items():
        line = "\t{0x%08Xu, \"%s\"}," % (code, name)
        if note:
            line += " /* %s */" % note
        w(line)
    w("};")
    w("")
    w("#define K_BUGCHECK_COUNT (sizeof k_bugchecks / sizeof k_bugchecks[0])")
    w("")
    w("const char *dk_bugcheck_name(uint32_t code)")
    w("{")
    w("\tsize_t lo = 0;")
    w("\tsize_t hi = K_BUGCHECK_COUNT;")
    w("")
    w("\twhile (lo < hi) {")
    w("\t\tsize_t mid = lo + (hi - lo) / 2;")
    w("\t\tuint32_t c = k_bugchecks[mid].code;")
    w("")
    w("\t\tif (c == code)")
    w("\t\t\treturn k_bugchecks[mid].name;")
    w("\t\tif (c < code)")
    w("\t\t\tlo = mid + 1;")
    w("\t\telse")
    w("\t\t\thi = mid;")
    w("\t}")
    w("\treturn NULL;")
    w("}")
    w("")
    w("const dk_bugcheck_info *dk_bugcheck_table(size_t *count)")
    w("{")
    w("\tif (count != NULL)")
    w("\t\t*count = K_BUGCHECK_COUNT;")
    w("\treturn k_bugchecks;")
    w("}")
    return "\n".join(out) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sdk",
                    default="/work/shared/docs/data/bugcodes_sdk16299.json")
    g = ap.add_mutually_exclusive_group()
    g.add_argument("--docs-git", help="git dir of windows-driver-docs")
    g.add_argument("--docs-dir", help="checked-out %s directory" % DOCS_DIR)
    ap.add_argument("--docs-rev", default="HEAD")
    ap.add_argument("--prefer", choices=("docs", "sdk"), default="docs",
                    help="whose name wins when SDK and docs differ")
    ap.add_argument("-o", "--output", default="-")
    a = ap.parse_args()

    with open(a.sdk, encoding="utf-8") as f:
        sdk = {int(k, 16): v for k, v in json.load(f)["sdk16299"].items()}

    pages, index, rev = {}, {}, None
    if a.docs_git or a.docs_dir:
        docs = Docs(a.docs_git, a.docs_dir, a.docs_rev)
        rev = docs.revision()
        pages, index = read_docs(docs)
    else:
        warn("no docs given: SDK list only")

    table, docs_only, overrides = build(sdk, pages, index, a.prefer)

    bad = [n for n, _ in table.values() if not NAME_RE.match(n)]
    if bad:
        sys.exit("bad names: %r" % bad)
    if any(c > 0xFFFFFFFF for c in table):
        sys.exit("code out of range")
    for code, name in REQUIRED.items():
        got = table.get(code, (None,))[0]
        if got != name:
            sys.exit("required 0x%X %s missing (got %r)" % (code, name, got))

    text = emit(table, rev)
    if a.output == "-":
        sys.stdout.write(text)
    else:
        with open(a.output, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)

    warn("REPORT: %d entries (SDK %d, docs pages %d, docs index %d); "
         "%d docs-only; %d name differences (prefer %s)"
         % (len(table), len(sdk), len(pages), len(index), len(docs_only),
            len(overrides), a.prefer))
    warn("docs-only: " + " ".join("0x%X" % c for c in docs_only))
    for code, s, d in overrides:
        warn("differs 0x%X: SDK %s / docs %s" % (code, s, d))


if __name__ == "__main__":
    main()
