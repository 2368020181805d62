"""The broker's small CA: certificates chain, carry the right names and usages, keys are private."""

from __future__ import annotations

import ipaddress
import stat
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from cryptography.x509.verification import PolicyBuilder, Store

from broker.errors import ConfigurationError
from broker.tls import (
    CertificateAuthority,
    write_certificates,
    write_keystore,
    write_private_key,
)


@pytest.fixture(scope="module")
def ca() -> CertificateAuthority:
    return CertificateAuthority.create("Test CA")


def test_ca_is_a_self_signed_ca(ca: CertificateAuthority) -> None:
    cert = ca.certificate
    assert cert.issuer == cert.subject
    cert.verify_directly_issued_by(cert)
    assert cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.key_cert_sign
    assert usage.crl_sign
    assert isinstance(ca.key.curve, ec.SECP256R1)


def test_server_certificate_verifies_for_its_names(ca: CertificateAuthority) -> None:
    issued = ca.issue_server("broker", ["localhost", "127.0.0.1"])
    cert = issued.certificate
    cert.verify_directly_issued_by(ca.certificate)
    sans = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert sans.get_values_for_type(x509.DNSName) == ["localhost"]
    assert sans.get_values_for_type(x509.IPAddress) == [ipaddress.ip_address("127.0.0.1")]
    usages = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert ExtendedKeyUsageOID.SERVER_AUTH in usages
    assert not cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    store = Store([ca.certificate])
    for name in (x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))):
        verifier = PolicyBuilder().store(store).build_server_verifier(name)
        chain = verifier.verify(cert, [])
        assert chain[-1] == ca.certificate
    wrong = PolicyBuilder().store(store).build_server_verifier(x509.DNSName("example.org"))
    with pytest.raises(x509.verification.VerificationError):
        wrong.verify(cert, [])


def test_client_certificate_names_its_holder(ca: CertificateAuthority) -> None:
    cert = ca.issue_client("police").certificate
    cert.verify_directly_issued_by(ca.certificate)
    assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "police"
    usages = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(usages) == [ExtendedKeyUsageOID.CLIENT_AUTH]


def test_another_ca_does_not_verify(ca: CertificateAuthority) -> None:
    other = CertificateAuthority.create("Other CA")
    with pytest.raises(ValueError, match="issuer"):
        other.issue_client("x").certificate.verify_directly_issued_by(ca.certificate)


def test_a_server_certificate_needs_a_host(ca: CertificateAuthority) -> None:
    with pytest.raises(ConfigurationError):
        ca.issue_server("broker", [])


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_keystore_holds_the_key_and_chain_privately(
    ca: CertificateAuthority, tmp_path: Path
) -> None:
    issued = ca.issue_server("broker", ["127.0.0.1"])
    keystore = write_keystore(tmp_path / "keystore.pem", issued, ca)
    assert mode(keystore) == 0o600
    data = keystore.read_bytes()
    assert data.startswith(b"-----BEGIN PRIVATE KEY-----")  # PKCS#8, as Kafka needs
    key = serialization.load_pem_private_key(data, password=None)
    assert key.public_key() == issued.key.public_key()
    chain = x509.load_pem_x509_certificates(data)
    assert chain == [issued.certificate, ca.certificate]
    bundle = write_certificates(tmp_path / "ca.pem", ca.certificate)
    assert mode(bundle) == 0o644
    assert x509.load_pem_x509_certificates(bundle.read_bytes()) == [ca.certificate]


def test_an_encrypted_key_needs_its_password(ca: CertificateAuthority, tmp_path: Path) -> None:
    path = write_private_key(tmp_path / "key.pem", ca.key, password=b"s3cret-pass")
    assert mode(path) == 0o600
    data = path.read_bytes()
    assert data.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    with pytest.raises(TypeError):
        serialization.load_pem_private_key(data, password=None)
    assert serialization.load_pem_private_key(data, password=b"s3cret-pass")


def test_existing_files_are_never_overwritten(ca: CertificateAuthority, tmp_path: Path) -> None:
    path = write_private_key(tmp_path / "key.pem", ca.key)
    before = path.read_bytes()
    with pytest.raises(ConfigurationError, match="refusing to overwrite"):
        write_private_key(path, CertificateAuthority.create().key)
    with pytest.raises(ConfigurationError):
        write_certificates(path, ca.certificate)
    assert path.read_bytes() == before
