"""The pure helpers of `make prod-check` (bench/prodcheck.py) and the S3 server it starts; the whole check is run by
`make prod-check`."""

from __future__ import annotations

import socket

import pytest

from bench import prodcheck
from bench.prodcheck import S3_BUCKET, ProdCheck, free_port, missing_in, pdf_text, small_pdf


def test_the_attachment_is_a_pdf_that_reads_back() -> None:
    data = small_pdf("Fattura F-PC/1")
    assert data.startswith(b"%PDF-")
    assert "Fattura F-PC/1" in pdf_text(data)


def test_missing_in_names_what_the_receipt_lacks() -> None:
    text = "Ricevuta della pratica n. 12\nMario\n  Rossi  € 12,50"
    assert missing_in(text, ["12", "Mario Rossi", "€ 12,50"]) == []
    assert missing_in(text, ["Giulia Bianchi", "€ 12,50", "fattura.pdf"]) == ["Giulia Bianchi", "fattura.pdf"]


def test_free_port_can_be_bound() -> None:
    port = free_port()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))


def test_moto_server_serves_an_empty_private_bucket_and_is_stopped(tmp_path) -> None:
    check = ProdCheck(tmp_path)
    try:
        check.start_s3()
        proc = check.s3_proc
        client = check.s3_client()
        assert client.list_objects_v2(Bucket=S3_BUCKET).get("Contents", []) == []
        assert check.env["AWS_STORAGE_BUCKET_NAME"] == S3_BUCKET
        assert check.env["AWS_S3_ENDPOINT_URL"] == check.s3_url
    finally:
        check.stop_s3()
    assert proc is not None and proc.poll() is not None
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", check.s3_port), timeout=1):
        pass


def test_without_moto_server_the_check_fails_instead_of_skipping_s3(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(prodcheck, "PY", str(tmp_path / "bin" / "python"))
    check = ProdCheck(tmp_path)
    with pytest.raises(SystemExit, match="moto_server cannot start"):
        check.start_s3()
