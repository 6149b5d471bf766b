package dev.maas.installer.stages.sso;

import dev.maas.installer.engine.Stage;
import jakarta.ws.rs.client.ClientRequestFilter;

import java.time.Duration;
import java.util.List;

/** For tests outside this package (e.g. the CLI against the sandbox): an sso stage whose Keycloak requests are seen. */
public final class SsoStageForTests {
    private SsoStageForTests() { }

    /** The real sso stage with these request filters on its Keycloak admin client and bounded timeouts. */
    public static Stage withAdminFilters(Duration timeout, ClientRequestFilter... filters) {
        return new SsoStage(timeout, timeout, System::getenv, List.of(filters));
    }
}
