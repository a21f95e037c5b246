#!/usr/bin/env python3
"""mkelf.py - the 4 KiB header that turns a raw memory image into an ELF core
(stdlib only; for bench/convert.sh).

Usage: mkelf.py RAW_SIZE OUT_HEADER
Writes an ELF64 little-endian ET_CORE header (EM_X86_64) with three PT_LOADs
describing the raw image appended right after the 4 KiB header:
  PT_LOAD[0] paddr 0x0         <- raw [0, 0xA0000)              (640 KiB)
  PT_LOAD[1] paddr 0x100000    <- raw [0x100000, RAW_SIZE/2)
  PT_LOAD[2] paddr 0x100000000 <- raw [RAW_SIZE/2, RAW_SIZE)
so the ELF file is `cat OUT_HEADER RAW > IMAGE.elf` and maps 2-3 physical
ranges with holes, like a PC (the raw bytes 0xA0000-0xFFFFF are not mapped).
RAW_SIZE must be a multiple of 2 MiB and at least 4 MiB.
"""
import struct, sys

def main():
    size = int(sys.argv[1], 0)
    if size % (2 << 20) or size < (4 << 20):
        sys.exit('mkelf.py: RAW_SIZE must be a multiple of 2 MiB, at least 4 MiB')
    base = 0x1000
    half = size // 2
    loads = [(0x0, 0, 0xA0000), (0x100000, 0x100000, half - 0x100000), (0x100000000, half, half)]
    phoff, phentsize = 64, 56
    ehdr = b'\x7fELF' + bytes([2, 1, 1, 0]) + bytes(8)
    ehdr += struct.pack('<HHIQQQIHHHHHH', 4, 62, 1, 0, phoff, 0, 0, 64, phentsize, len(loads), 0, 0, 0)
    ph = b''
    for paddr, off, n in loads:
        # p_type, p_flags, p_offset, p_vaddr, p_paddr, p_filesz, p_memsz, p_align
        ph += struct.pack('<IIQQQQQQ', 1, 6, base + off, 0, paddr, n, n, 0x1000)
    hdr = (ehdr + ph).ljust(base, b'\0')
    with open(sys.argv[2], 'wb') as f:
        f.write(hdr)

if __name__ == '__main__':
    main()
