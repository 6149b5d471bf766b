package dev.maas.installer.testing;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.ExtendWith;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A test class that starts JavaFX (TestFX on headless Monocle). Tagged {@code fx}: {@code ./mvnw test -Dgroups=fx}
 * runs only such tests, {@code -DexcludedGroups=fx} all the others. {@link FxWindowReset} puts the windows back as a
 * fresh start has them before and after the class; waits go through {@link FxWait}.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Tag("fx")
@ExtendWith(FxWindowReset.class)
public @interface StartsJavaFx {
}
