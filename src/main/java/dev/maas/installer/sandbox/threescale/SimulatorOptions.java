package dev.maas.installer.sandbox.threescale;

import java.nio.file.Path;
import java.util.Set;

/**
 * How to start a {@link ThreescaleSimulator}.
 *
 * @param accessToken   the admin access token required on every request; null generates one
 * @param version       "2.15" or "2.16" (service subscriptions exist only from 2.16)
 * @param journalFile   where to append the request journal (JSON lines); null keeps it in memory only
 * @param faults        fault injection, {@link Faults#none()} by default
 * @param tokenScopes   the token's scopes: account_management, cms, policy_registry, stats (the tenant admin's token
 *                      of system-seed has them all: porta db/seeds.rb gives it every AccessToken scope)
 * @param readOnlyToken a read-only token: every write answers 403
 * @param tenantName    the tenant, for the admin and portal host names
 * @param wildcardDomain the cluster's apps domain, for host names in responses
 * @param sampleData    a fresh tenant's content: the "API" product with its "API Backend" (made with the tenant),
 *                      then its plans, a developer account and an application (made in the background)
 * @param delays        when the effects of porta's background workers appear; {@link AsyncDelays#porta()} by default
 */
public record SimulatorOptions(String accessToken, String version, Path journalFile, Faults faults,
                               Set<String> tokenScopes, boolean readOnlyToken, String tenantName,
                               String wildcardDomain, boolean sampleData, AsyncDelays delays) {
    public static final Set<String> ALL_SCOPES = Set.of("account_management", "cms", "policy_registry",
            "stats");

    public static SimulatorOptions defaults() {
        return new SimulatorOptions(null, "2.15", null, Faults.none(), ALL_SCOPES, false, "maas", "apps.sandbox.local",
                true, AsyncDelays.porta());
    }

    public SimulatorOptions withToken(String token) {
        return new SimulatorOptions(token, version, journalFile, faults, tokenScopes, readOnlyToken, tenantName,
                wildcardDomain, sampleData, delays);
    }

    public SimulatorOptions withVersion(String v) {
        return new SimulatorOptions(accessToken, v, journalFile, faults, tokenScopes, readOnlyToken, tenantName,
                wildcardDomain, sampleData, delays);
    }

    public SimulatorOptions withJournal(Path file) {
        return new SimulatorOptions(accessToken, version, file, faults, tokenScopes, readOnlyToken, tenantName,
                wildcardDomain, sampleData, delays);
    }

    public SimulatorOptions withFaults(Faults f) {
        return new SimulatorOptions(accessToken, version, journalFile, f, tokenScopes, readOnlyToken, tenantName,
                wildcardDomain, sampleData, delays);
    }

    public SimulatorOptions withScopes(Set<String> scopes, boolean readOnly) {
        return new SimulatorOptions(accessToken, version, journalFile, faults, scopes, readOnly, tenantName,
                wildcardDomain, sampleData, delays);
    }

    public SimulatorOptions withDomain(String tenant, String wildcard) {
        return new SimulatorOptions(accessToken, version, journalFile, faults, tokenScopes, readOnlyToken, tenant,
                wildcard, sampleData, delays);
    }

    public SimulatorOptions withSampleData(boolean sample) {
        return new SimulatorOptions(accessToken, version, journalFile, faults, tokenScopes, readOnlyToken, tenantName,
                wildcardDomain, sample, delays);
    }

    /** When porta's background work takes effect ({@link AsyncDelays#none()}: at once). */
    public SimulatorOptions withDelays(AsyncDelays d) {
        return new SimulatorOptions(accessToken, version, journalFile, faults, tokenScopes, readOnlyToken, tenantName,
                wildcardDomain, sampleData, d);
    }
}
