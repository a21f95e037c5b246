#!/usr/bin/env python3
# dmpkit tests — an independent reader for the image_b tests: prints the
# SHA-1 of the given physical pages of FILE as libkdumpfile (python3-libkdumpfile)
# reads them, one "PFN SHA1" line each ("PFN -" when it cannot read the page).
# SPACE is k (KDUMP_KPHYSADDR: guest PFNs, for Xen cores) or m
# (KDUMP_MACHPHYSADDR: for diskdump, where libkdumpfile 0.5.1 cannot set up
# kernel address translation without help).  Exits 77 when the module is missing.
# usage: kdf_pages.py FILE k|m PAGE_SIZE PFN_HEX...
# SPDX-License-Identifier: MIT
import hashlib
import sys

try:
    import kdumpfile
except ImportError:
    print("kdumpfile module missing", file=sys.stderr)
    sys.exit(77)


def main():
    path, space, ps = sys.argv[1], sys.argv[2], int(sys.argv[3])
    k = kdumpfile.kdumpfile(path)
    sp = kdumpfile.KDUMP_KPHYSADDR if space == "k" else kdumpfile.KDUMP_MACHPHYSADDR
    for a in sys.argv[4:]:
        pfn = int(a, 16)
        try:
            data = k.read(sp, pfn * ps, ps)
            print("%x %s" % (pfn, hashlib.sha1(data).hexdigest()))
        except Exception:  # noqa: BLE001 - any read failure means "absent"
            print("%x -" % pfn)


main()
