package dev.maas.installer.keycloak;

import dev.maas.installer.testing.KeycloakServer;
import dev.maas.installer.testing.StartsKeycloak;

/**
 * Every test of {@link RealmConfiguratorTest} against the legacy Keycloak 18 on WildFly that RH-SSO 7.6 is built on
 * (served under {@code /auth}), with the keycloak-admin-client 26 the installer ships.
 */
@StartsKeycloak
class RealmConfiguratorLegacyKeycloakTest extends RealmConfiguratorTest {
    @Override
    KeycloakServer.Endpoint server() {
        return KeycloakServer.legacy();
    }
}
