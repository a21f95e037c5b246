#!/usr/bin/env python3
"""Seeds for fuzz/fuzz_image_raw, fuzz_image_elf, fuzz_image_lime (stdlib only).
usage: make_fuzz_seeds.py SAMPLES_DIR OUTDIR   (writes OUTDIR/{raw,elf,lime}/*; the ELF
seeds are cut from the QEMU ELF samples when present, the rest is synthetic)"""
import os, struct, sys, zlib
src, out = sys.argv[1], sys.argv[2]
for d in ('raw', 'elf', 'lime'):
    os.makedirs(os.path.join(out, d), exist_ok=True)
def w(d, name, data):
    open(os.path.join(out, d, name), 'wb').write(data)
pages = b''.join(bytes([i]) * 4096 for i in range(1, 4))
w('raw', 'padded', b'\x00' + pages)
m = b'0x1000-0x1fff,0x3000+0x2000'
w('raw', 'map-text', bytes([0x40 | len(m)]) + m + pages)
w('raw', 'map-struct', bytes([0x81]) + struct.pack('<II', 0x10, 0x1000) + struct.pack('<II', 0x40, 0x3000) + pages)

def shrink_elf(path, keep_pages=2):
    """QEMU ELF header, phdrs and notes; each PT_LOAD cut to keep_pages."""
    with open(path, 'rb') as f:
        d = f.read(0x4000)
        phoff, = struct.unpack_from('<Q', d, 32); phnum, = struct.unpack_from('<H', d, 56)
        phs = [list(struct.unpack_from('<IIQQQQQQ', d, phoff + 56 * i)) for i in range(phnum)]
        end = max(p[2] + p[5] for p in phs if p[0] == 4)
        body = bytearray(d[:end])
        for i, p in enumerate(phs):
            if p[0] == 1:
                f.seek(p[2]); data = f.read(4096 * keep_pages)
                p[2] = len(body); p[5] = p[6] = len(data); body += data
            struct.pack_into('<IIQQQQQQ', body, phoff + 56 * i, *p)
        return bytes(body)
for n in ('linux-96M.elf', 'nodisk-64M.elf', 'fakewin64-64M.elf'):
    p = os.path.join(src, n)
    if os.path.exists(p):
        w('elf', n, shrink_elf(p))

def crc32c_masked(b):
    c = 0xffffffff
    for x in b:
        c ^= x
        for _ in range(8):
            c = (c >> 1) ^ (0x82F63B78 & -(c & 1))
    c ^= 0xffffffff
    return (((c >> 15) | (c << 17)) + 0xa282ead8) & 0xffffffff
lime = b''
for s, data in ((0x1000, bytes(range(256)) * 16 + b'\x11' * 0xc00), (0x100000, b'\x22' * 8192)):
    lime += struct.pack('<IIQQQ', 0x4C694D45, 1, s, s + len(data) - 1, 0) + data
w('lime', 'lime', b'\x00' + lime)
avml = b''
for s, data in ((0x1000, bytes(range(256)) * 16 + b'\x11' * 0xc00), (0x100000, b'\x22' * 8192)):
    st = b'\xff\x06\x00\x00sNaPpY'
    for o in range(0, len(data), 4096):
        ch = data[o:o + 4096]
        if o == 0:  # a snappy block holding one literal: varint length, tag 0xf4, u16 len-1
            blk = bytes([len(ch) & 0x7f | 0x80, len(ch) >> 7, 0xf4]) + struct.pack('<H', len(ch) - 1) + ch
            st += struct.pack('<I', 0x00 | (len(blk) + 4) << 8) + struct.pack('<I', crc32c_masked(ch)) + blk
        else:
            st += struct.pack('<I', 0x01 | (len(ch) + 4) << 8) + struct.pack('<I', crc32c_masked(ch)) + ch
    avml += struct.pack('<IIQQQ', 0x4C4D5641, 2, s, s + len(data) - 1, 0) + st + struct.pack('<Q', len(st))
w('lime', 'avml2', b'\x01' + avml)
w('lime', 'avml1', b'\x01' + lime.replace(struct.pack('<I', 0x4C694D45), struct.pack('<I', 0x4C4D5641)))
c = zlib.compressobj(6, zlib.DEFLATED, 11)
w('lime', 'lime-zlib', b'\x00' + c.compress(lime) + c.flush())
