#!/usr/bin/env python3
# dmpkit — writes small seed files for fuzz/fuzz_image_diskdump and
# fuzz/fuzz_image_xen (stdlib only).
# usage: make_fuzz_seeds.py OUTDIR   (writes OUTDIR/fuzz_image_diskdump/, OUTDIR/fuzz_image_xen/)
# SPDX-License-Identifier: MIT
import os
import struct
import sys
import zlib

BS = 4096


def note(name, ntype, desc):
    n = name.encode() + b"\0"
    pad = lambda b: b + b"\0" * (-len(b) % 4)
    return struct.pack("<III", len(n), len(desc), ntype) + pad(n) + pad(desc)


def diskdump(method, flat=False, version=6):
    max_mapnr = 64
    dumped = list(range(0, 8)) + list(range(16, 20))
    vmci = b"OSRELEASE=6.1.0\nPAGESIZE=4096\n"
    prstatus = bytearray(0x150)
    struct.pack_into("<Q", prstatus, 0x70 + 16 * 8, 0xffffffff81000000)  # rip
    qemu = bytearray(0x1b8)
    struct.pack_into("<II", qemu, 0, 1, 0x1b8)
    struct.pack_into("<Q", qemu, 0x1a0, 0x1ab000)  # cr3
    notes = note("CORE", 1, bytes(prstatus)) + note("QEMU", 0, bytes(qemu)) + note("VMCOREINFO", 0, vmci)
    sub_blocks = 1
    h = bytearray(BS)
    h[0:8] = b"KDUMP   "
    struct.pack_into("<I", h, 8, version)
    h[0x110:0x116] = b"x86_64"
    struct.pack_into("<IIIII", h, 0x1a8, method, BS, sub_blocks, 2, max_mapnr)
    struct.pack_into("<I", h, 0x1cc, 1)
    sub = bytearray(BS)
    off_vmci = 2 * BS - 0x400
    off_note = off_vmci - len(notes) - 16
    struct.pack_into("<QIIQQQQQQQQQQQ", sub, 0, 0, 31, 0, 0, max_mapnr, off_vmci, len(vmci),
                     off_note, len(notes), 0, 0, 0, max_mapnr, max_mapnr)
    sub[off_note - BS:off_note - BS + len(notes)] = notes
    sub[off_vmci - BS:off_vmci - BS + len(vmci)] = vmci
    bm1 = bytearray(BS)
    bm1[0:8] = b"\xff" * 8
    bm2 = bytearray(BS)
    for p in dumped:
        bm2[p // 8] |= 1 << (p % 8)
    pd_off = (1 + sub_blocks + 2) * BS
    data_off = pd_off + len(dumped) * 24
    descs, data = b"", b""
    zero_at = None
    for i, p in enumerate(dumped):
        page = (struct.pack("<QQ", 0x4741545047504358, p) * 256) if p % 4 else bytes(BS)
        if not any(page) and zero_at is not None:
            descs += struct.pack("<QIIQ", zero_at[0], zero_at[1], zero_at[2], 0)
            continue
        if method == 1 and i % 2:
            c, fl = zlib.compress(page), 1
        else:
            c, fl = page, 0
        at = data_off + len(data)
        if not any(page):
            zero_at = (at, len(c), fl)
        descs += struct.pack("<QIIQ", at, len(c), fl, 0)
        data += c
    f = bytes(h) + bytes(sub) + bytes(bm1) + bytes(bm2) + descs + data
    if flat:
        out = bytearray(b"makedumpfile".ljust(16, b"\0") + struct.pack(">qq", 1, 1))
        out += bytes(0x1000 - len(out))
        pieces = [(o, f[o:o + 3000]) for o in range(0, len(f), 3000)]
        for o, d in reversed(pieces):
            out += struct.pack(">qq", o, len(d)) + d
        out += struct.pack(">qq", -1, -1)
        f = bytes(out)
    return f


def xen(pfns, pv):
    strtab = b"\0.shstrtab\0.note.Xen\0.xen_prstatus\0.xen_pages\0.xen_p2m\0.xen_pfn\0"
    names = {".shstrtab": 1, ".note.Xen": 11, ".xen_prstatus": 21, ".xen_pages": 35,
             ".xen_p2m": 46, ".xen_pfn": 55}
    magic = 0xF00FEBED if pv else 0xF00FEBEE
    notes = (note("Xen", 0x2000000, b"") + note("Xen", 0x2000001, struct.pack("<QQQQ", magic, 1, len(pfns), BS))
             + note("Xen", 0x2000003, struct.pack("<Q", 1)))
    vgc = bytearray(5168)
    struct.pack_into("<Q", vgc, 0x208 + 128, 0xffffffff81000000)
    struct.pack_into("<Q", vgc, 0x1378 + 24, (0x1002 << 12) if pv else 0x2000)
    shnum = 6
    off_str = 64 + shnum * 64
    off_note = off_str + len(strtab)
    off_note += -off_note % 8
    off_prs = off_note + len(notes)
    off_pages = off_prs + len(vgc)
    off_pages += -off_pages % BS
    esz = 16 if pv else 8
    off_tab = off_pages + len(pfns) * BS
    tabname = ".xen_p2m" if pv else ".xen_pfn"
    secs = [(0, 0, 0, 0), (names[".shstrtab"], 3, off_str, len(strtab)),
            (names[".note.Xen"], 7, off_note, len(notes)), (names[".xen_prstatus"], 1, off_prs, len(vgc)),
            (names[tabname], 1, off_tab, len(pfns) * esz), (names[".xen_pages"], 1, off_pages, len(pfns) * BS)]
    eh = bytearray(64)
    eh[0:7] = b"\x7fELF\x02\x01\x01"
    struct.pack_into("<HHI", eh, 16, 4, 62, 1)
    struct.pack_into("<Q", eh, 40, 64)
    struct.pack_into("<HHHHHH", eh, 52, 64, 0, 0, 64, shnum, 1)
    f = bytearray(off_tab + len(pfns) * esz)
    f[0:64] = eh
    for i, (n, t, o, s) in enumerate(secs):
        struct.pack_into("<IIQQQQIIQQ", f, 64 + 64 * i, n, t, 0, 0, o, s, 0, 0, 0, 0)
    f[off_str:off_str + len(strtab)] = strtab
    f[off_note:off_note + len(notes)] = notes
    f[off_prs:off_prs + len(vgc)] = vgc
    for i, p in enumerate(pfns):
        f[off_pages + i * BS:off_pages + i * BS + 16] = struct.pack("<8sQ", b"XCPGTAG!", p & (2**64 - 1))
        if pv:
            struct.pack_into("<QQ", f, off_tab + 16 * i, p, (p + 0x1000) & (2**64 - 1))
        else:
            struct.pack_into("<Q", f, off_tab + 8 * i, p)
    return bytes(f)


def main():
    out = sys.argv[1]
    d = os.path.join(out, "fuzz_image_diskdump")
    x = os.path.join(out, "fuzz_image_xen")
    os.makedirs(d, exist_ok=True)
    os.makedirs(x, exist_ok=True)
    inv = 2**64 - 1
    files = {
        os.path.join(d, "zlib-v6.kdump"): diskdump(1),
        os.path.join(d, "raw-v4.kdump"): diskdump(0, version=4),
        os.path.join(d, "zlib-v6.flat"): diskdump(1, flat=True),
        os.path.join(x, "pvh.core"): xen([0x10, 0x11, 0x12, inv, 5, 6, 0x13, 0x100, inv, 0], False),
        os.path.join(x, "pv.core"): xen([0, 1, 2, 3], True),
    }
    for p, b in files.items():
        with open(p, "wb") as fh:
            fh.write(b)


main()
