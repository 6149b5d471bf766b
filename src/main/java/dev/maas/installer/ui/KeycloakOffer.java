package dev.maas.installer.ui;

import dev.maas.installer.engine.Cancellation;

/**
 * The wizard's side of the Keycloak download, as the sandbox's start asks it when no Keycloak distribution is at hand
 * ({@link LocalSandbox}): the offer (what, its size, from where), the progress, and how it ended. Every method is
 * called on the sandbox's starting thread, never on the FX thread; {@link #ask} blocks that thread until the user
 * answers.
 */
public interface KeycloakOffer {
    /**
     * Offers the download and waits for the answer: true to download, false to start the sandbox without SSO (also
     * when the waiting thread is interrupted, e.g. the wizard closing).
     *
     * @param version the Keycloak version
     * @param size    its size in bytes, -1 when the repository does not say
     * @param url     where it comes from
     */
    boolean ask(String version, long size, String url);

    /** Bytes so far and the total (-1 when unknown). */
    void progress(long done, long total);

    /** The download ended well: the sandbox now starts with Keycloak. */
    void done();

    /** No Keycloak can come (no network, a bad checksum, cancelled): why, in a sentence; the sandbox starts without SSO. */
    void failed(String message);

    /** Cancel of the download (what was fetched is kept, to resume next time). */
    Cancellation cancellation();
}
