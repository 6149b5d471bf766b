package dev.maas.installer.cluster;

import dev.maas.installer.engine.Fix;
import dev.maas.installer.engine.StageException;

/**
 * A cluster call failed in one of the ways the user can act on. {@link #kind()} lets the UI choose what to show
 * (for {@link Kind#UNTRUSTED_CERTIFICATE}: the fingerprint and a "Trust this certificate" button, using
 * {@link #certificate()}).
 */
public class ClusterException extends StageException {
    public enum Kind {
        /** DNS, connection refused, timeout, proxy refused. */
        UNREACHABLE,
        /** TLS verification failed: the server's certificate is not trusted (or differs from the trusted one). */
        UNTRUSTED_CERTIFICATE,
        /** 401: the token is missing, expired or revoked. */
        UNAUTHORIZED,
        /** 403: the user lacks a permission; the message names the verb and resource. */
        FORBIDDEN,
        /** The kubeconfig or the settings are wrong (missing file, unknown context, no token). */
        BAD_SETTINGS,
        /** Anything else the API server answered. */
        API_ERROR
    }

    private final Kind kind;
    private final transient CertificateInfo certificate;
    private final String verb;
    private final String resource;

    public ClusterException(Kind kind, String message, Fix fix, Throwable cause) {
        this(kind, message, fix, cause, null, null, null);
    }

    ClusterException(Kind kind, String message, Fix fix, Throwable cause, CertificateInfo certificate, String verb,
                     String resource) {
        super(message, fix, kind == Kind.BAD_SETTINGS, cause);
        this.kind = kind;
        this.certificate = certificate;
        this.verb = verb;
        this.resource = resource;
    }

    public Kind kind() { return kind; }

    /** For {@link Kind#UNTRUSTED_CERTIFICATE}: the certificate the server presented, when it could be read. */
    public CertificateInfo certificate() { return certificate; }

    /** For {@link Kind#FORBIDDEN}: the verb that was denied, when the server said. */
    public String verb() { return verb; }

    /** For {@link Kind#FORBIDDEN}: the resource (with its API group) that was denied, when the server said. */
    public String resource() { return resource; }
}
