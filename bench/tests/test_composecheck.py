"""The pure helpers of `make compose-check` (bench/composecheck.py); the whole check is run by `make compose-check`."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request

import pytest

from bench.composecheck import SmsGateway, env_file_from_example, self_signed_certificate


def test_the_env_file_is_env_example_with_this_runs_values() -> None:
    text = env_file_from_example({"DJANGO_SECRET_KEY": "s3cret", "WEB_PORT": "41234"})
    lines = text.splitlines()
    assert "DJANGO_SECRET_KEY=s3cret" in lines
    assert "WEB_PORT=41234" in lines
    assert "WEB_PORT=8000" not in lines
    assert any(line.startswith("# ") for line in lines)  # the comments stay


def test_a_name_missing_from_env_example_stops_the_check() -> None:
    with pytest.raises(SystemExit, match="NOT_A_SETTING"):
        env_file_from_example({"NOT_A_SETTING": "1"})


def test_the_proxy_certificate_names_the_host(tmp_path) -> None:
    from cryptography import x509

    self_signed_certificate(tmp_path / "certs", "localhost")
    certificate = x509.load_pem_x509_certificate((tmp_path / "certs" / "cert.pem").read_bytes())
    names = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert names.get_values_for_type(x509.DNSName) == ["localhost"]
    assert (tmp_path / "certs" / "key.pem").read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")


def test_the_sms_gateway_keeps_messages_with_the_right_token_only() -> None:
    gateway = SmsGateway("tok")
    threading.Thread(target=gateway.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{gateway.server_address[1]}/sms"
    body = json.dumps({"from": "Mutua", "to": "+393331234567", "text": "Pratica n. 7"}).encode()
    try:
        ok = urllib.request.Request(url, data=body, headers={"Authorization": "Bearer tok"})  # noqa: S310
        assert urllib.request.urlopen(ok, timeout=5).status == 200  # noqa: S310
        wrong = urllib.request.Request(url, data=body, headers={"Authorization": "Bearer no"})  # noqa: S310
        with pytest.raises(urllib.error.HTTPError):
            urllib.request.urlopen(wrong, timeout=5)  # noqa: S310
    finally:
        gateway.shutdown()
        gateway.server_close()
    assert [m["text"] for m in gateway.messages] == ["Pratica n. 7"]
