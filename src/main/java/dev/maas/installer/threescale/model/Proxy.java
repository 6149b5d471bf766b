package dev.maas.installer.threescale.model;

/** The gateway (proxy) settings of a product; only the fields the installer reads. */
public record Proxy(Long serviceId, String endpoint, String sandboxEndpoint, String credentialsLocation,
                    String authUserKey, String authAppId, String authAppKey, String apiTestPath,
                    String deploymentOption, Long lockVersion) {
}
