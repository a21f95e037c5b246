#!/usr/bin/env python3
"""readdmp.py - an independent, stdlib-only reader of Windows full (DumpType 1)
and full-bitmap (DumpType 5) crash dumps, 32- and 64-bit, for the writer tests.
Written from the layouts in /work/shared/docs/kernel-dump-format.md (sections
1.1-1.3, 2.1) and volatility3 framework/layers/crash.py; shares no code with
dmpkit.

Usage: readdmp.py DUMP --raw RAW --runs B:C[,B:C...]
  Checks that DUMP holds exactly the pages of the runs (PFN:count, hex or
  decimal), each equal to the 4 KiB at offset PFN*4096 of the raw image RAW
  (zeros past RAW's end), that RequiredDumpSpace equals the file size and
  that the run list / bitmap counts agree.  Prints one summary line; exit 0
  when all holds, 1 otherwise.
"""
import os, struct, sys

def fail(msg):
    print('readdmp: FAIL: ' + msg)
    sys.exit(1)

def main():
    a = sys.argv
    path = a[1]
    raw = a[a.index('--raw') + 1]
    want = []
    for item in a[a.index('--runs') + 1].split(','):
        b, c = item.split(':')
        want.append((int(b, 0), int(c, 0)))
    f = open(path, 'rb')
    h = f.read(0x2000)
    size = os.fstat(f.fileno()).st_size
    if h[:8] == b'PAGEDU64':
        hdr, dtype = 0x2000, struct.unpack_from('<I', h, 0xF98)[0]
        nruns, npages = struct.unpack_from('<I', h, 0x88)[0], struct.unpack_from('<Q', h, 0x90)[0]
        runs = [struct.unpack_from('<QQ', h, 0x98 + 16 * i) for i in range(min(nruns, 43))]
    elif h[:8] == b'PAGEDUMP':
        hdr, dtype = 0x1000, struct.unpack_from('<I', h, 0xF88)[0]
        nruns, npages = struct.unpack_from('<II', h, 0x64)
        runs = [struct.unpack_from('<II', h, 0x6C + 8 * i) for i in range(min(nruns, 86))]
    else:
        fail('no PAGEDU64/PAGEDUMP signature')
    required = struct.unpack_from('<Q', h, 0xFA0)[0]
    if required != size:
        fail(f'RequiredDumpSpace {required:#x} != file size {size:#x}')
    layout = []  # (pfn, file offset)
    if dtype == 1:
        if nruns != len(runs) or sum(c for _, c in runs) != npages:
            fail(f'NumberOfRuns {nruns} / NumberOfPages {npages:#x} disagree with the runs')
        off = hdr
        for b, c in runs:
            for p in range(b, b + c):
                layout.append((p, off)); off += 4096
        if off != size:
            fail(f'pages end at {off:#x}, file size {size:#x}')
    elif dtype == 5:
        f.seek(hdr); s = f.read(0x38)
        if s[:8] != b'FDMPDUMP':
            fail(f'summary signature {s[:8]!r}')
        first, present, bits = struct.unpack_from('<QQQ', s, 0x20)
        if first % 4096:
            fail(f'HeaderSize {first:#x} not page-aligned')
        bm = f.read((bits + 7) // 8)
        if hdr + 0x38 + len(bm) > first:
            fail('bitmap overlaps the pages')
        off = first
        for p in range(bits):
            if bm[p >> 3] >> (p & 7) & 1:
                layout.append((p, off)); off += 4096
        if len(layout) != present:
            fail(f'Pages {present} != set bits {len(layout)}')
        if off != size:
            fail(f'pages end at {off:#x}, file size {size:#x}')
        if nruns != 0x45474150 and (nruns != len(runs) or sum(c for _, c in runs) != npages):
            fail('PhysicalMemoryBlock of the bitmap dump is neither PAGE fill nor consistent')
    else:
        fail(f'DumpType {dtype}')
    expect = [p for b, c in want for p in range(b, b + c)]
    got = [p for p, _ in layout]
    if got != expect:
        fail(f'pages {len(got)} differ from the expected {len(expect)} '
             f'(first got {got[:3]}, expected {expect[:3]})')
    r = open(raw, 'rb')
    for p, off in layout:
        f.seek(off); d = f.read(4096)
        r.seek(p * 4096); e = r.read(4096)
        e += b'\0' * (4096 - len(e))
        if d != e:
            fail(f'page {p:#x} (file offset {off:#x}) differs from the raw image')
    print(f'readdmp: ok DumpType={dtype} header={hdr:#x} pages={len(layout)} runs={nruns:#x} size={size:#x}')

if __name__ == '__main__':
    main()
