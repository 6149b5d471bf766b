package dev.maas.installer.stages.e2e;

import dev.maas.installer.keycloak.KeycloakAdmin;
import dev.maas.installer.threescale.ThreescaleClient;
import dev.maas.installer.threescale.model.Account;
import org.keycloak.representations.idm.UserRepresentation;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * How the objects {@link EndToEnd} makes are recognized: the Keycloak user's name and the developer account's
 * organization name start with {@value #PREFIX}, followed by random hex. A run removes what an earlier run left
 * (killed before it could clean up) before it starts.
 */
public final class Marker {
    public static final String PREFIX = "maas-installer-test-";
    /** The temporary user's email domain (RFC 2606: .invalid never resolves, so no mail can go out). */
    static final String EMAIL_DOMAIN = "maas-installer-test.invalid";
    private static final SecureRandom RANDOM = new SecureRandom();

    private Marker() { }

    /** A new marked name, e.g. {@code maas-installer-test-1a2b3c4d5e6f}. */
    static String newName() {
        return PREFIX + random(6);
    }

    static boolean marked(String name) {
        return name != null && name.startsWith(PREFIX);
    }

    /** {@code bytes} random bytes as hex. */
    static String random(int bytes) {
        byte[] b = new byte[bytes];
        RANDOM.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    /** A password with lower and upper case letters, digits and a symbol, as password policies ask. */
    static String newPassword() {
        return "Mt-" + random(12) + "-X9";
    }

    static void deleteUser(KeycloakAdmin admin, String realm, String id, String username) {
        admin.call("delete the temporary user " + username, () -> {
            try (var r = admin.realm(realm).users().delete(id)) {
                int code = r.getStatus();
                if (code != 204 && code != 200 && code != 404) {
                    throw new IllegalStateException("Keycloak answered HTTP " + code);
                }
            }
            return Boolean.TRUE;
        });
    }

    /** Removes the marked users of the realm; returns what it removed. */
    static List<String> sweepUsers(KeycloakAdmin admin, String realm) {
        List<String> removed = new ArrayList<>();
        List<UserRepresentation> found = admin.call("find leftover test users",
                () -> admin.realm(realm).users().search(PREFIX, 0, 200));
        for (UserRepresentation u : found) {
            if (marked(u.getUsername())) {
                deleteUser(admin, realm, u.getId(), u.getUsername());
                removed.add("Keycloak user " + u.getUsername());
            }
        }
        return removed;
    }

    /** Removes the marked developer accounts (with their applications); returns what it removed. */
    static List<String> sweepAccounts(ThreescaleClient threescale) {
        List<String> removed = new ArrayList<>();
        for (Account a : threescale.tenant().accounts(null)) {
            if (marked(a.orgName())) {
                threescale.tenant().deleteAccount(a.id());
                removed.add("developer account " + a.orgName());
            }
        }
        return removed;
    }
}
