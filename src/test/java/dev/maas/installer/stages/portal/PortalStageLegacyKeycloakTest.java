package dev.maas.installer.stages.portal;

import dev.maas.installer.testing.KeycloakServer;
import dev.maas.installer.testing.StartsKeycloak;

/**
 * Every test of {@link PortalStageTest} against the legacy Keycloak 18 on WildFly that RH-SSO 7.6 is built on (served
 * under {@code /auth}): the realm URL given to 3scale and the client's redirect URIs through keycloak-admin-client 26.
 */
@StartsKeycloak
class PortalStageLegacyKeycloakTest extends PortalStageTest {
    @Override
    KeycloakServer.Endpoint server() {
        return KeycloakServer.legacy();
    }
}
