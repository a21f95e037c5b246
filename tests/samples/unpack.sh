#!/bin/sh
# Unpacks the memory-image samples of ../shared/corpus/images (zstd --long=27)
# into DEST once; the image, writer and convert tests read them from there.
# Exits 0 with a message when the corpus or zstd is missing (tests then skip).
# usage: unpack.sh CORPUS_IMAGES_DIR DEST
set -eu
src=$1 dest=$2
if [ ! -d "$src" ]; then
	echo "SKIP: $src does not exist: image samples not unpacked"
	exit 0
fi
if ! command -v zstd >/dev/null 2>&1; then
	echo "SKIP: zstd is not installed: image samples not unpacked"
	exit 0
fi
mkdir -p "$dest"
for f in "$src"/*/*.zst; do
	[ -e "$f" ] || continue
	b=$(basename "$f" .zst)
	if [ ! -s "$dest/$b" ]; then
		zstd -q -d --long=27 -f "$f" -o "$dest/$b.part" && mv "$dest/$b.part" "$dest/$b"
	fi
done
for f in "$src"/*/*; do
	case $f in *.zst|*.md|*.c|*.ld|*.py|*.log) continue ;; esac
	[ -f "$f" ] || continue
	b=$(basename "$f")
	[ -s "$dest/$b" ] || cp "$f" "$dest/$b"
done
ls "$dest"
