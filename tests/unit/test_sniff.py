from pilotzone.demo import sample_pdf
from pilotzone.documents.sniff import sniff


def test_magic_bytes_decide_not_the_name() -> None:
    assert sniff(sample_pdf("x")[:2048], "photo.png") == "application/pdf"
    assert sniff(b"\x89PNG\r\n\x1a\n" + b"\0" * 20, "doc.pdf") == "image/png"
    assert sniff(b"\xff\xd8\xff\xe0" + b"\0" * 20, "a") == "image/jpeg"
    assert sniff(b"MZ\x90\x00", "report.pdf") == "application/x-msdownload"


def test_zip_containers_by_extension_only_after_zip_magic() -> None:
    zip_head = b"PK\x03\x04" + b"\0" * 30
    assert sniff(zip_head, "a.docx").endswith("wordprocessingml.document")
    assert sniff(zip_head, "a.XLSX").endswith("spreadsheetml.sheet")
    assert sniff(zip_head, "a.ofd") == "application/ofd"
    assert sniff(zip_head, "a.zip") == "application/zip"
    assert sniff(b"plain text", "a.docx") == "text/plain"


def test_text_and_binary() -> None:
    assert sniff("中文说明".encode(), "a.txt") == "text/plain"
    assert sniff("中文".encode()[:-1], "a.txt") == "text/plain"  # cut mid-character at the sniff boundary
    assert sniff(b"\x00\x01\x02", "a.txt") == "application/octet-stream"
