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


def test_file_names_with_a_path_or_control_characters_are_refused_not_cleaned() -> None:
    import pytest

    from pilotzone.documents.checks import BadName, check_filename

    for hostile in (
        "../../etc/passwd",
        "..\\..\\x.pdf",
        "/etc/passwd",
        "C:\\x.pdf",
        "C:x.pdf",
        "..",
        "a\x00.pdf",
        "a\x7f.pdf",
        "a\u202egpj.exe",
        " ",
        "x" * 201,
    ):
        with pytest.raises(BadName):
            check_filename(hostile)
    assert check_filename(" 园区 简介..终稿.pdf ") == "园区 简介..终稿.pdf"
    assert check_filename("%2e%2e%2fx.pdf") == "%2e%2e%2fx.pdf"  # literal: nothing decodes it
    assert check_filename("x" * 200) == "x" * 200


def test_claims_from_extension_and_specific_content_types_only() -> None:
    from pilotzone.documents.checks import check_claim, claimed_types

    assert claimed_types("Scan.PDF", "application/octet-stream") == {"application/pdf"}
    assert claimed_types("a.jpeg", "image/jpg") == {"image/jpeg"}
    assert claimed_types("a.pdf", "image/png") == {"application/pdf", "image/png"}
    assert (
        claimed_types("data.csv", "application/vnd.ms-excel") == set()
    )  # text and vendor types claim nothing
    assert claimed_types("noext", None) == set()
    assert check_claim({"application/pdf"}, "application/pdf") is None
    assert check_claim(set(), "image/png") is None
    message = check_claim({"image/jpeg"}, "application/x-msdownload")
    assert message is not None and "image/jpeg" in message and "application/x-msdownload" in message
    docx = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    assert check_claim(claimed_types("a.docx", None), docx) is None
