package dev.maas.installer.stages.sso;

import dev.maas.installer.testing.KeycloakServer;
import dev.maas.installer.testing.StartsKeycloak;

/**
 * Every test of {@link SsoStageTest} against the legacy Keycloak 18 on WildFly that RH-SSO 7.6 is built on (served
 * under {@code /auth}), with the keycloak-admin-client 26 the installer ships.
 */
@StartsKeycloak
class SsoStageLegacyKeycloakTest extends SsoStageTest {
    @Override
    KeycloakServer.Endpoint server() {
        return KeycloakServer.legacy();
    }
}
