"""The pure helpers of `make prod-check` (bench/prodcheck.py); the check itself is run by `make prod-check`."""

from __future__ import annotations

import socket

from bench.prodcheck import free_port, missing_in, pdf_text, small_pdf


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
