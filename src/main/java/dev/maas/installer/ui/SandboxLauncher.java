package dev.maas.installer.ui;

import java.nio.file.Path;

/**
 * Starts the local sandbox in a folder; called off the FX thread. The app's launcher is {@link LocalSandbox}, which
 * is only loaded when a sandbox is really started (so the sandbox and fabric8 classes stay out of the first frame).
 */
@FunctionalInterface
public interface SandboxLauncher {
    /** Starts the sandbox and returns when it is ready, with its files written. */
    Started start(Path dir);

    /**
     * Starts the sandbox as {@link #start(Path)} does, telling {@code phase} what it is starting now (e.g.
     * "Keycloak"), from the starting thread. By default it tells nothing.
     */
    default Started start(Path dir, java.util.function.Consumer<String> phase) {
        return start(dir);
    }

    /**
     * Starts the sandbox as {@link #start(Path, java.util.function.Consumer)} does; when it has no Keycloak at hand it
     * offers the download through {@code offer} (null: no offer) and waits for the answer. By default it offers
     * nothing.
     */
    default Started start(Path dir, java.util.function.Consumer<String> phase, KeycloakOffer offer) {
        return start(dir, phase);
    }

    /**
     * Discards what a stopped sandbox kept in {@code dir} (its cluster objects, 3scale tenant and Keycloak data), so
     * that the next start makes a new, empty sandbox: the sandbox's own {@code Sandbox.discard}, which knows its
     * files and refuses while a sandbox still runs on the folder. Called off the FX thread.
     *
     * @return what was deleted
     */
    default java.util.List<Path> discard(Path dir) {
        return LocalSandbox.discard(dir);
    }

    /**
     * A started sandbox: its kubeconfig (context {@code sandbox}), its {@code maas-installer.yaml}, and how to stop it.
     */
    record Started(Path kubeconfig, Path configFile, AutoCloseable stopper) { }
}
