package dev.maas.installer.catalog.policy;

/** A custom APIcast policy folder that cannot be used; the message names the folder, the file and the field. */
public class PolicyBundleException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public PolicyBundleException(String message) {
        super(message);
    }

    public PolicyBundleException(String message, Throwable cause) {
        super(message, cause);
    }
}
