package dev.maas.installer.ui.model;

import java.util.Objects;

/**
 * Which cluster and context the wizard is connected to. {@code sandbox} is true for the local sandbox (a mock API
 * server), which the header shows plainly so nobody mistakes it for a real cluster.
 */
public record ConnectionInfo(String cluster, String context, boolean sandbox) {
    public ConnectionInfo {
        Objects.requireNonNull(cluster, "cluster");
        context = context == null ? "" : context;
    }

    /** The header text, e.g. "Connected to https://api.example:6443 (context admin)". */
    public String describe() {
        String text = (sandbox ? "Local sandbox: " : "Connected to ") + cluster;
        return context.isEmpty() ? text : text + " (context " + context + ")";
    }
}
