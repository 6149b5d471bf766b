package dev.maas.installer.cli;

import dev.maas.installer.testing.KeycloakServer;

/** {@link CliTestCommandTest} against the legacy Keycloak that RH-SSO 7.6 is built on (under {@code /auth}). */
class CliTestCommandLegacyKeycloakTest extends CliTestCommandTest {
    @Override
    KeycloakServer.Endpoint server() {
        return KeycloakServer.legacy();
    }
}
