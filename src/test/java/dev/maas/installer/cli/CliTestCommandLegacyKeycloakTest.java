package dev.maas.installer.cli;

import dev.maas.installer.testing.KeycloakServer;
import dev.maas.installer.testing.StartsKeycloak;

/** {@link CliTestCommandTest} against the legacy Keycloak that RH-SSO 7.6 is built on (under {@code /auth}). */
@StartsKeycloak
class CliTestCommandLegacyKeycloakTest extends CliTestCommandTest {
    @Override
    KeycloakServer.Endpoint server() {
        return KeycloakServer.legacy();
    }
}
