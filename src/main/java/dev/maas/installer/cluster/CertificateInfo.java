package dev.maas.installer.cluster;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Locale;

/**
 * A server certificate as shown to the user before they decide to trust it: its SHA-256 fingerprint (upper case
 * hex pairs separated by colons, as {@code openssl x509 -fingerprint -sha256} prints it), subject, issuer, validity,
 * and the PEM encoding (what we remember when the user trusts it).
 */
public record CertificateInfo(String sha256Fingerprint, String subject, String issuer, Instant notBefore,
                              Instant notAfter, String pem) {

    public static CertificateInfo of(X509Certificate cert) {
        try {
            byte[] der = cert.getEncoded();
            String pem = "-----BEGIN CERTIFICATE-----\n"
                    + Base64.getMimeEncoder(64, "\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII))
                    .encodeToString(der)
                    + "\n-----END CERTIFICATE-----\n";
            return new CertificateInfo(fingerprint(der), cert.getSubjectX500Principal().getName(),
                    cert.getIssuerX500Principal().getName(), cert.getNotBefore().toInstant(),
                    cert.getNotAfter().toInstant(), pem);
        } catch (CertificateEncodingException e) {
            throw new IllegalArgumentException("certificate cannot be encoded", e);
        }
    }

    /** SHA-256 of the DER bytes, as {@code AB:CD:...}. */
    public static String fingerprint(byte[] der) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(der);
            return HexFormat.ofDelimiter(":").withUpperCase().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }

    /** Accepts fingerprints written with or without colons, in any case; returns the canonical form. */
    public static String normalizeFingerprint(String fingerprint) {
        if (fingerprint == null) {
            return null;
        }
        String hex = fingerprint.replaceAll("[^0-9A-Fa-f]", "").toUpperCase(Locale.ROOT);
        if (fingerprint.toLowerCase(Locale.ROOT).startsWith("sha256")) {
            hex = fingerprint.substring(6).replaceAll("[^0-9A-Fa-f]", "").toUpperCase(Locale.ROOT);
        }
        if (hex.length() != 64) {
            throw new IllegalArgumentException("a SHA-256 fingerprint has 32 bytes (64 hex digits); got "
                    + hex.length() / 2 + " bytes");
        }
        return HexFormat.ofDelimiter(":").withUpperCase().formatHex(HexFormat.of().parseHex(hex));
    }

    public boolean selfSigned() { return subject.equals(issuer); }
}
