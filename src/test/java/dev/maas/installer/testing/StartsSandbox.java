package dev.maas.installer.testing;

import org.junit.jupiter.api.Tag;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A test class that starts the sandbox's API server or one of its simulators (SandboxCluster,
 * Sandbox, the 3scale simulator). Tagged {@code sandbox}: {@code ./mvnw test -Dgroups=sandbox} runs only
 * such tests, {@code -DexcludedGroups=sandbox} all the others.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Tag("sandbox")
public @interface StartsSandbox {
}
