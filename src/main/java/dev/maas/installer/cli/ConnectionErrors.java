package dev.maas.installer.cli;

import dev.maas.installer.cluster.CertificateInfo;
import dev.maas.installer.cluster.ClusterException;

/**
 * How the CLI reports a failed connection: the message, what the certificate is (for an untrusted one) and the
 * exact flag to add. The caller redacts secrets and prints.
 */
final class ConnectionErrors {
    private ConnectionErrors() { }

    /** 2 when the user's input must change (certificate to trust, wrong settings); 1 otherwise. */
    static int exitCode(ClusterException e) {
        return switch (e.kind()) {
            case UNTRUSTED_CERTIFICATE, BAD_SETTINGS -> ExitCodes.INVALID_INPUT;
            case UNAUTHORIZED, UNREACHABLE, FORBIDDEN, API_ERROR -> ExitCodes.FAILURE;
        };
    }

    /**
     * The lines to print on stderr.
     *
     * @param tokenVariable the variable the token came from, or null for a kubeconfig connection
     */
    static String describe(ClusterException e, String tokenVariable) {
        StringBuilder sb = new StringBuilder("error: ").append(e.getMessage()).append('\n');
        switch (e.kind()) {
            case UNTRUSTED_CERTIFICATE -> {
                CertificateInfo cert = e.certificate();
                if (cert != null) {
                    sb.append("  SHA-256 fingerprint: ").append(cert.sha256Fingerprint()).append('\n')
                            .append("  subject: ").append(cert.subject()).append('\n')
                            .append("  issuer:  ").append(cert.issuer())
                            .append(cert.selfSigned() ? " (self-signed)" : "").append('\n')
                            .append("  valid:   ").append(cert.notBefore()).append(" to ").append(cert.notAfter())
                            .append('\n');
                }
                sb.append("  what to do: compare the fingerprint with the one your cluster administrator gives you"
                        + " (a different one may mean the connection is intercepted). If it matches, add\n")
                        .append("    --trust-fingerprint ")
                        .append(cert != null ? cert.sha256Fingerprint() : "<sha256>").append('\n')
                        .append("  or give the cluster's CA certificate with --ca-file FILE.\n");
            }
            case UNAUTHORIZED -> {
                appendFix(sb, e);
                sb.append(tokenVariable != null
                        ? "  then put the new token into $" + tokenVariable + " (`oc login`, then `export "
                        + tokenVariable + "=$(oc whoami -t)`) and rerun\n"
                        : "  `oc login` updates your kubeconfig; rerun afterwards\n");
            }
            case FORBIDDEN -> {
                if (e.verb() != null && e.resource() != null) {
                    sb.append("  missing permission: ").append(e.verb()).append(' ').append(e.resource())
                            .append('\n');
                }
                appendFix(sb, e);
            }
            default -> appendFix(sb, e);
        }
        return sb.toString();
    }

    private static void appendFix(StringBuilder sb, ClusterException e) {
        if (e.fix() != null && e.fix().hint() != null && !e.fix().hint().isBlank()) {
            sb.append("  what to do: ").append(e.fix().hint()).append('\n');
        }
    }
}
