package dev.maas.installer.threescale.model;

import dev.maas.installer.engine.secrets.SecretRegistry;

/** A developer portal SSO integration. {@link #toString()} never shows the client secret. */
public record AuthenticationProvider(long id, String kind, String name, String systemName, String clientId,
                                     String clientSecret, String site, Boolean published,
                                     Boolean skipSslCertificateVerification, Boolean automaticallyApproveAccounts,
                                     String callbackUrl, String accountType) {
    @Override
    public String toString() {
        return "AuthenticationProvider[id=" + id + ", kind=" + kind + ", systemName=" + systemName + ", clientId="
                + clientId + ", clientSecret=" + (clientSecret == null ? null : SecretRegistry.MASK) + ", site=" + site
                + ", published=" + published + ", automaticallyApproveAccounts=" + automaticallyApproveAccounts
                + ", callbackUrl=" + callbackUrl + "]";
    }
}
