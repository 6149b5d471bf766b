package dev.maas.installer.keycloak;

import dev.maas.installer.testing.KeycloakServer;

/**
 * Every test of {@link RealmConfiguratorTest} against the legacy Keycloak 18 on WildFly that RH-SSO 7.6 is built on
 * (served under {@code /auth}), with the keycloak-admin-client 26 the installer ships.
 */
class RealmConfiguratorLegacyKeycloakTest extends RealmConfiguratorTest {
    @Override
    KeycloakServer.Endpoint server() {
        return KeycloakServer.legacy();
    }
}
