#!/bin/sh
# Remakes the corpus (long name: 120 characters, so that a Windows checkout stays under
# MAX_PATH) with the real tools a clerk's scanner, phone or office would leave
# traces of: ImageMagick, qpdf, Python's zipfile. Run from this folder; the files are
# committed so that tests need none of these tools (img2pdf makes the PDF: ImageMagick
# policy forbids writing PDF). Expected verdicts: verdicts.toml.
set -eu
T=../../../../../shared/testdata/exif-orientation
convert -size 160x120 gradient:navy-orange -fill white -draw "rectangle 20,20 90,60" -fill black -draw "text 30,45 'EPTS 164301000012345'" base.ppm
# Phone photos in every EXIF orientation, small copies of shared/testdata (same tags).
for o in 1 2 3 4 5 6 7 8; do convert "$T/Landscape_$o.jpg" -resize 240x240 -quality 85 "phone_orientation_$o.jpg"; done
convert base.ppm -colorspace CMYK -quality 85 cmyk.jpg
convert base.ppm -interlace JPEG -quality 85 progressive.jpg
convert base.ppm -depth 16 deep16.png
convert base.ppm -alpha set -channel A -evaluate set 60% +channel alpha.png
convert base.ppm -compress LZW lzw.tif
convert base.ppm base.ppm base.ppm -compress LZW multipage_lzw.tif
convert base.ppm -colorspace Gray -threshold 50% -compress Group4 fax_g4.tif
convert base.ppm -compress None plain.tif
img2pdf progressive.jpg -o vypiska.pdf
qpdf --encrypt user owner 256 -- vypiska.pdf encrypted.pdf
cp progressive.jpg scan_really_jpeg.pdf
: > empty.jpg
head -c $(( $(wc -c < progressive.jpg) / 2 )) progressive.jpg > truncated.jpg
head -c 400 vypiska.pdf > truncated.pdf
cp cmyk.jpg "Паспорт владельца — копия (2).jpg"
cp fax_g4.tif "$(printf 'a%.0s' $(seq 1 120)).tif"
python3 - <<'PY'
import zipfile, zlib, struct
def pkg(name, main):
    with zipfile.ZipFile(name, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Override PartName="/word/document.xml" ContentType="%s"/></Types>' % main)
        z.writestr("word/document.xml", '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>Заявление</w:t></w:r></w:p></w:body></w:document>')
pkg("zayavlenie.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml")
pkg("makros.docm", "application/vnd.ms-word.document.macroEnabled.main+xml")
# A zip bomb dressed as a document: 300 MB of zeros in one entry.
with zipfile.ZipFile("bomb.docx", "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
    z.writestr("[Content_Types].xml", "<Types/>")
    with z.open("word/document.xml", "w", force_zip64=True) as f:
        chunk = b"\0" * (1 << 20)
        for _ in range(300): f.write(chunk)
# A PNG decompression bomb: 16000×16000 1-bit pixels (256 MP, 32 MB raw) in ~30 KB.
w = h = 16000
row = b"\0" + b"\0" * (w // 8)
comp = zlib.compressobj(9)
data = b"".join(comp.compress(row) for _ in range(h)) + comp.flush()
def chunk(t, d): return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
open("bomb.png", "wb").write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 1, 0, 0, 0, 0)) + chunk(b"IDAT", data) + chunk(b"IEND", b""))
# A TIFF page bomb: 64 black-and-white pages of 7000×7000 (49 MP, each under the portal's
# pixel limit; 55 MB each to decode, 3.5 GB together) that all point at one Deflate strip of
# white: ~14 KB on disk.
w = h = 7000
strip = zlib.compress(b"\xff" * ((w + 7) // 8 * h), 9)
pages, entries = 64, 9
ifd_len = 2 + entries * 12 + 4
first = 8 + len(strip) + len(strip) % 2
out = b"II*\0" + struct.pack("<I", first) + strip + b"\0" * (len(strip) % 2)
for p in range(pages):
    nxt = first + (p + 1) * ifd_len if p + 1 < pages else 0
    tags = [(256, 4, w), (257, 4, h), (258, 3, 1), (259, 3, 8), (262, 3, 1), (273, 4, 8), (277, 3, 1), (278, 4, h), (279, 4, len(strip))]
    out += struct.pack("<H", entries) + b"".join(struct.pack("<HHII", t, k, 1, v) for t, k, v in tags) + struct.pack("<I", nxt)
open("bomb_pages.tif", "wb").write(out)
PY
printf 'GIF89a\001\000\001\000\000\000\000;' > animation.gif
rm -f base.ppm
