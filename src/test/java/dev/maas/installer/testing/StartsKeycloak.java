package dev.maas.installer.testing;

import org.junit.jupiter.api.Tag;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A test class that starts a real Keycloak (KeycloakServer, KeycloakProcess): 30 to 90 s
 * the first time. Tagged {@code keycloak}: {@code ./mvnw test -Dgroups=keycloak} runs only
 * such tests, {@code -DexcludedGroups=keycloak} all the others.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Tag("keycloak")
public @interface StartsKeycloak {
}
