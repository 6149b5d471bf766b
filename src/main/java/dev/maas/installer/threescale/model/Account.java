package dev.maas.installer.threescale.model;

/** A 3scale account: a developer (buyer) account, or the provider (tenant) account itself. */
public record Account(long id, String orgName, String state, String adminDomain, String domain,
                      String adminBaseUrl, String baseUrl, String fromEmail, String supportEmail,
                      String financeSupportEmail, String siteAccessCode) {
}
