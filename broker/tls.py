"""A small certificate authority for a secured broker: a CA, server and client certificates.

Keys are EC P-256. Certificates and keys are written as PEM; private keys are
PKCS#8 (the only private-key form Kafka's PEM keystores read) with mode 0600,
and an existing file is never overwritten.

Kafka (``ssl.keystore.type=PEM``) reads ``ssl.keystore.location`` as one file
with the private key followed by the certificate chain, and
``ssl.truststore.location`` (``ssl.truststore.type=PEM``) as CA certificates.
The private key may be unencrypted: ``ssl.key.password`` is needed only when it
is encrypted, and then it would sit beside the key in server.properties anyway.
:func:`write_keystore` can still encrypt it when given a password.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from broker.errors import ConfigurationError

CA_DAYS = 3650
LEAF_DAYS = 825
PRIVATE_MODE = 0o600
PUBLIC_MODE = 0o644
#: Certificates are valid from a little before now, so clock skew does not reject them.
BACKDATE = datetime.timedelta(minutes=5)


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "MASH Exchange"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _new_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _subject_alt_names(hosts: Sequence[str]) -> list[x509.GeneralName]:
    names: list[x509.GeneralName] = []
    for host in hosts:
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            names.append(x509.DNSName(host))
    return names


@dataclass(frozen=True)
class Issued:
    """A certificate with its private key."""

    certificate: x509.Certificate
    key: ec.EllipticCurvePrivateKey


@dataclass(frozen=True)
class CertificateAuthority:
    """A self-signed CA that issues server and client certificates."""

    certificate: x509.Certificate
    key: ec.EllipticCurvePrivateKey

    @classmethod
    def create(
        cls, common_name: str = "MASH Exchange CA", days: int = CA_DAYS
    ) -> CertificateAuthority:
        """A new CA with a fresh key."""
        key = _new_key()
        now = datetime.datetime.now(datetime.UTC)
        public = key.public_key()
        certificate = (
            x509.CertificateBuilder()
            .subject_name(_name(common_name))
            .issuer_name(_name(common_name))
            .public_key(public)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - BACKDATE)
            .not_valid_after(now + datetime.timedelta(days=days))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
            .sign(key, hashes.SHA256())
        )
        return cls(certificate, key)

    def issue_server(self, common_name: str, hosts: Sequence[str], days: int = LEAF_DAYS) -> Issued:
        """A server certificate for ``hosts`` (DNS names or IP addresses, as SANs).

        It may also authenticate as a client (a broker connects to its controller
        with it, over mutual TLS).
        """
        if not hosts:
            raise ConfigurationError("a server certificate needs at least one host name or IP")
        return self._issue(
            common_name,
            days,
            [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH],
            _subject_alt_names(hosts),
        )

    def issue_client(self, common_name: str, days: int = LEAF_DAYS) -> Issued:
        """A client certificate whose subject is ``CN=<common_name>``."""
        return self._issue(common_name, days, [ExtendedKeyUsageOID.CLIENT_AUTH], [])

    def _issue(
        self,
        common_name: str,
        days: int,
        usages: list[x509.ObjectIdentifier],
        alt_names: list[x509.GeneralName],
    ) -> Issued:
        key = _new_key()
        now = datetime.datetime.now(datetime.UTC)
        ca_public = self.certificate.public_key()
        assert isinstance(ca_public, ec.EllipticCurvePublicKey)  # noqa: S101 - create() makes EC
        builder = (
            x509.CertificateBuilder()
            .subject_name(_name(common_name))
            .issuer_name(self.certificate.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - BACKDATE)
            .not_valid_after(now + datetime.timedelta(days=days))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=True,
                    key_cert_sign=False,
                    crl_sign=False,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(x509.ExtendedKeyUsage(usages), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_public), critical=False
            )
            .add_extension(
                x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False
            )
        )
        if alt_names:
            builder = builder.add_extension(x509.SubjectAlternativeName(alt_names), critical=False)
        return Issued(builder.sign(self.key, hashes.SHA256()), key)


def write_new_file(path: Path, data: bytes, mode: int) -> Path:
    """Write ``data`` to a file that must not exist yet, created with ``mode``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    except FileExistsError as exc:
        raise ConfigurationError(f"{path} already exists; refusing to overwrite it") from exc
    with os.fdopen(fd, "wb") as file:
        file.write(data)
    os.chmod(path, mode)  # the umask may have narrowed it
    return path


def private_key_pem(key: ec.EllipticCurvePrivateKey, password: bytes | None = None) -> bytes:
    """``key`` as PKCS#8 PEM, encrypted when a password is given."""
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(password)
        if password
        else serialization.NoEncryption()
    )
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
    )


def certificates_pem(*certificates: x509.Certificate) -> bytes:
    """Certificates as concatenated PEM blocks."""
    return b"".join(cert.public_bytes(serialization.Encoding.PEM) for cert in certificates)


def write_certificates(path: Path, *certificates: x509.Certificate) -> Path:
    """Write certificates (a CA bundle or a chain) as PEM, mode 0644."""
    return write_new_file(path, certificates_pem(*certificates), PUBLIC_MODE)


def write_private_key(
    path: Path, key: ec.EllipticCurvePrivateKey, password: bytes | None = None
) -> Path:
    """Write a PKCS#8 private key, mode 0600."""
    return write_new_file(path, private_key_pem(key, password), PRIVATE_MODE)


def write_keystore(
    path: Path, issued: Issued, ca: CertificateAuthority, password: bytes | None = None
) -> Path:
    """Write a Kafka PEM keystore: the private key, then the chain (leaf, CA); mode 0600."""
    data = private_key_pem(issued.key, password) + certificates_pem(
        issued.certificate, ca.certificate
    )
    return write_new_file(path, data, PRIVATE_MODE)
