#!/usr/bin/env python3
"""Writes the seed corpora under fuzz/corpus/<target>/seed-*.

Images come from ImageMagick (convert-im6 or magick, whichever exists); PDFs, DOCX, TOML,
identifiers and JSON are written here. Every seed stays well under 20 KB. The backup seed
is written by the backup_reader target itself (see docs/fuzzing.md).
"""
import io, os, shutil, struct, subprocess, sys, tempfile, zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "corpus")
ROOT = os.path.dirname(HERE)


def magick():
    for c in ("magick", "convert-im6.q16", "convert-im6"):
        p = shutil.which(c)
        if p:
            return [p] if c != "magick" else [p]
    sys.exit("ImageMagick is needed for the image seeds")


def image(args, ext):
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "out." + ext)
        subprocess.run(magick() + args + [out], check=True)
        return open(out, "rb").read()


def exif_app1(orientation, gps=False):
    """An APP1 Exif segment: orientation, optionally a GPS IFD pointer (a location)."""
    entries = [(0x0112, 3, 1, orientation)]
    if gps:
        entries.append((0x8825, 4, 1, 0))  # patched below
    ifd_at = 8
    n = len(entries)
    gps_at = ifd_at + 2 + 12 * n + 4
    body = b"II*\0" + struct.pack("<I", ifd_at) + struct.pack("<H", n)
    for tag, kind, count, value in entries:
        if tag == 0x8825:
            value = gps_at
        if kind == 3:
            body += struct.pack("<HHIHH", tag, kind, count, value, 0)
        else:
            body += struct.pack("<HHII", tag, kind, count, value)
    body += struct.pack("<I", 0)
    if gps:
        # GPSLatitudeRef = 'N'
        body += struct.pack("<H", 1) + struct.pack("<HHI4s", 1, 2, 2, b"N\0\0\0") + struct.pack("<I", 0)
    seg = b"Exif\0\0" + body
    return b"\xff\xe1" + struct.pack(">H", len(seg) + 2) + seg


def with_exif(jpeg, orientation, gps=False):
    return jpeg[:2] + exif_app1(orientation, gps) + jpeg[2:]


def pdf(pages=1, encrypted=False, pdfa=False, version="1.7"):
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>"]
    kids = " ".join(f"{3 + i} 0 R" for i in range(pages))
    objs.append(f"<< /Type /Pages /Kids [{kids}] /Count {pages} >>".encode())
    for _ in range(pages):
        objs.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>")
    if pdfa:
        xmp = b'<x:xmpmeta><rdf:Description pdfaid:part="2" pdfaid:conformance="B"/></x:xmpmeta>'
        objs.append(b"<< /Type /Metadata /Subtype /XML /Length %d >>\nstream\n" % len(xmp) + xmp + b"\nendstream")
    out = io.BytesIO()
    out.write(f"%PDF-{version}\n%\xe2\xe3\xcf\xd3\n".encode("latin-1"))
    offsets = []
    for i, o in enumerate(objs):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % (i + 1) + o + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1))
    for off in offsets:
        out.write(b"%010d 00000 n \n" % off)
    trailer = b"<< /Size %d /Root 1 0 R" % (len(objs) + 1)
    if encrypted:
        trailer += b" /Encrypt << /Filter /Standard /V 2 /R 3 /O <00> /U <00> /P -44 >>"
    out.write(b"trailer\n" + trailer + b" >>\nstartxref\n%d\n%%%%EOF\n" % xref)
    return out.getvalue()


def zip_of(entries):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in entries:
            z.writestr(name, data)
    return buf.getvalue()


CT = b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
CT_MACRO = CT.replace(b"document.main+xml", b"document.macroEnabled.main+xml")


def docx(macro=False):
    entries = [("[Content_Types].xml", CT_MACRO if macro else CT),
               ("_rels/.rels", b"<Relationships/>"),
               ("word/document.xml", b"<w:document><w:body><w:p/></w:body></w:document>")]
    if macro:
        entries.append(("word/vbaProject.bin", b"\xd0\xcf\x11\xe0" + b"\0" * 60))
    return zip_of(entries)


def write(target, name, data):
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    assert len(data) < 20 * 1024, (target, name, len(data))
    open(os.path.join(d, "seed-" + name), "wb").write(data)


def main():
    grad = ["-size", "16x12", "gradient:red-blue"]
    jpegs = {
        "baseline.jpg": image(grad + ["-quality", "80"], "jpg"),
        "progressive.jpg": image(grad + ["-interlace", "Plane"], "jpg"),
        "cmyk.jpg": image(grad + ["-colorspace", "CMYK"], "jpg"),
        "gray.jpg": image(["-size", "16x12", "gradient:white-black", "-colorspace", "Gray"], "jpg"),
        "dpcm.jpg": image(grad + ["-density", "118", "-units", "PixelsPerCentimeter"], "jpg"),
    }
    base = jpegs["baseline.jpg"]
    jpegs["orient6.jpg"] = with_exif(base, 6)
    jpegs["orient8-gps.jpg"] = with_exif(base, 8, gps=True)
    jpegs["truncated.jpg"] = base[: len(base) // 2]
    pngs = {
        "rgb16.png": image(["-size", "8x8", "gradient:red-blue", "-depth", "16"], "png"),
        "rgba.png": image(["-size", "8x8", "gradient:red-none"], "png"),
        "palette.png": image(["-size", "8x8", "xc:gray", "-type", "Palette"], "png"),
    }
    pngs["truncated.png"] = pngs["rgba.png"][:40]
    tiffs = {
        "plain-ii.tif": image(["-size", "8x8", "gradient:red-blue", "-compress", "none"], "tif"),
        "lzw.tif": image(["-size", "8x8", "gradient:red-blue", "-compress", "lzw"], "tif"),
        "plain-mm.tif": image(["-size", "8x8", "gradient:red-blue", "-endian", "MSB", "-compress", "none"], "tif"),
        "two-pages.tif": image(["-size", "8x8", "gradient:red-blue", "xc:white", "-compress", "lzw"], "tif"),
    }
    pdfs = {
        "one-page.pdf": pdf(),
        "three-pages-pdfa.pdf": pdf(3, pdfa=True),
        "encrypted.pdf": pdf(encrypted=True, version="1.4"),
        "truncated.pdf": pdf(2)[:-40],
    }
    zips = {
        "plain.docx": docx(),
        "macro.docm": docx(macro=True),
        "other.zip": zip_of([("readme.txt", b"not a document")]),
        "bomb-ish.docx": zip_of([("[Content_Types].xml", CT), ("word/document.xml", b"\0" * 200000)]),
    }
    others = {"gif.gif": image(["-size", "4x4", "xc:white"], "gif"), "text.txt": b"just text\n", "empty": b""}

    everything = {**jpegs, **pngs, **tiffs, **pdfs, **zips, **others}
    for n, b in everything.items():
        write("detect", n, b)
    for n, b in pdfs.items():
        write("detect_pdf", n, b[len(b"%PDF-1.7\n"):] if b.startswith(b"%PDF-1.7\n") else b[5:])
    for n, b in jpegs.items():
        write("detect_jpeg", n, b[3:])
    for n, b in pngs.items():
        write("detect_png", n, b[8:])
    for n, b in tiffs.items():
        write("detect_tiff", n, (b"\0" if b[:2] == b"II" else b"\1") + b[4:])
    for n, b in zips.items():
        write("detect_zip", n, b[4:])
    names = {"baseline.jpg": "скан паспорта.jpg", "lzw.tif": "sts.tiff", "one-page.pdf": "vypiska.pdf",
             "macro.docm": "dogovor.docx", "rgba.png": "foto.jpg", "empty": "pusto.pdf", "text.txt": "noext"}
    for i, (src, name) in enumerate(names.items()):
        n = name.encode()
        write("check_bytes", src, bytes([i & 3, len(n)]) + n + everything[src])

    profiles = os.path.join(ROOT, "crates/epts-core/src/prepare/profiles")
    for f in sorted(os.listdir(profiles)):
        write("profile_toml", f, open(os.path.join(profiles, f), "rb").read())
    write("profile_toml", "minimal.toml", b'name = "x"\ntitle_ru = "x"\ntitle_en = "x"\nformats = ["pdf"]\nmax_file_bytes = 1\nmax_pixels = 1\n')
    write("profile_toml", "unknown-format.toml", b'name = "x"\nformats = ["gif"]\n')

    for i, s in enumerate(["XTA21099843576182", "xta 2109 9843 576182", "164301027146619",
                           "112-233-445 95", "7707083893", "500100732259", "1027700132195",
                           "304500116000157", "45 06 123456", "А123ВС77", "a123bc777",
                           "+7 (912) 345-67-89", "ivan@example.ru", "12.03.2021", "31.02.2021", "vin"]):
        write("ids", f"{i:02}", s.encode())

    me = b'{"displayName":"\xd0\x98\xd0\xb2\xd0\xb0\xd0\xbd","kind":"person","accountStatus":"\xd0\xb0\xd0\xba\xd1\x82\xd0\xb8\xd0\xb2\xd0\xbd\xd0\xb0","inn":"500100732259","ogrn":null}'
    summary = b'{"vehiclePassportId":"x","vehicleEPassportId":"164301027146619","documentStatus":"active","vehicleEPassportKindCode":"1","docCreationDate":"2021-03-12","vehicleIdentityNumberId":"XTA21099843576182","vehicleMakeName":"LADA","vehicleCommercialName":"Vesta","manufactureYear":2021,"vehicleCategoryCode":"M1","vehicleEcoClassCode":"5","businessEntityName":null,"plate":"\xd0\x90123\xd0\x92\xd0\xa177","updatedAt":"2026-11-23T10:00:00Z"}'
    write("portal_json", "me.json", me)
    write("portal_json", "summary.json", summary)
    write("portal_json", "page.json", b'{"items":[' + summary + b'],"page":1,"size":50,"total":1}')
    write("portal_json", "list.json", b"[" + summary + b"," + summary + b"]")


if __name__ == "__main__":
    main()
