package dev.maas.installer.stages.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.maas.installer.engine.Cancellation;
import dev.maas.installer.engine.StageIds;
import dev.maas.installer.engine.secrets.SecretRegistry;
import dev.maas.installer.keycloak.KeycloakAdmin;
import dev.maas.installer.keycloak.RealmConfigurator;
import dev.maas.installer.keycloak.RealmSpec;
import dev.maas.installer.stages.e2e.EndToEndReport.Check;
import okhttp3.Cookie;
import okhttp3.CookieJar;
import okhttp3.FormBody;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.keycloak.representations.idm.CredentialRepresentation;
import org.keycloak.representations.idm.UserRepresentation;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.RSAPublicKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The sign-in a developer does on the portal, played by the installer: a temporary user in the realm (a marked
 * name, a random password held in memory only), the OpenID Connect authorization-code flow of client
 * {@code 3scale} with the portal's SSO callback as {@code redirect_uri} (Keycloak's login form filled in and posted
 * as a browser does, the redirect to the callback read, the code exchanged with the client secret as the portal
 * does), and the ID token's claims the portal reads (porta app/lib/three_scale/oauth2/keycloak_client.rb and
 * user_data.rb: {@code email}, {@code email_verified}, {@code org_name}) plus the checks every relying party makes
 * (OpenID Connect Core 3.1.3.7: signature, issuer, audience, nonce). The user is deleted afterwards, whatever
 * happened.
 */
final class SignInCheck {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Keycloak's login form ({@code login.ftl}: {@code <form id="kc-form-login" ... action="...">}). */
    private static final Pattern LOGIN_FORM = Pattern.compile(
            "<form[^>]*id=\"kc-form-login\"[^>]*action=\"([^\"]+)\"|<form[^>]*action=\"([^\"]+)\"[^>]*id=\"kc-form-login\"");
    private static final Pattern TITLE = Pattern.compile("<title>([^<]*)</title>", Pattern.CASE_INSENSITIVE);
    private static final Pattern FEEDBACK = Pattern.compile(
            "class=\"[^\"]*(?:kc-feedback-text|alert-error|pf-c-alert__title|kc-error-message)[^\"]*\"[^>]*>\\s*([^<]+)<");

    /** What the check needs, gathered by {@link EndToEnd}. */
    record Target(KeycloakAdmin admin, String realm, String realmUrl, String callback, String clientSecret,
                  OkHttpClient http) { }

    private final Target t;
    private final SecretRegistry secrets;
    private final Cancellation cancellation;
    private final List<Check> checks = new ArrayList<>();

    SignInCheck(Target target, SecretRegistry secrets, Cancellation cancellation) {
        this.t = target;
        this.secrets = secrets;
        this.cancellation = cancellation;
    }

    /** Runs the sign-in; {@code leftovers} gets what could not be removed. */
    EndToEndReport.SignInResult run(List<String> leftovers) {
        String username = Marker.newName();
        String password = secrets.register(Marker.newPassword());
        String email = username + "@" + Marker.EMAIL_DOMAIN;
        String userId = null;
        try {
            long start = System.nanoTime();
            try {
                userId = createUser(username, email, password);
            } catch (RuntimeException e) {
                checks.add(Check.fail("temporary user", null, ms(start), "cannot create a user in realm " + t.realm()
                        + ": " + secrets.redact(String.valueOf(e.getMessage())),
                        "check the Keycloak admin credentials and that realm " + t.realm() + " exists (rerun"
                                + " `maas-installer apply --stage " + StageIds.SSO + "`)"));
                return result();
            }
            checks.add(Check.pass("temporary user", null, ms(start), "user " + username + " created in realm "
                    + t.realm()));
            cancellation.throwIfCancelled();
            signIn(username, password, email);
        } finally {
            if (userId != null) {
                deleteUser(userId, username, leftovers);
            }
        }
        return result();
    }

    private EndToEndReport.SignInResult result() {
        return new EndToEndReport.SignInResult(EndToEndReport.overall(checks), checks);
    }

    private String createUser(String username, String email, String password) {
        UserRepresentation u = new UserRepresentation();
        u.setUsername(username);
        u.setEmail(email);
        u.setEmailVerified(true);
        u.setEnabled(true);
        // a complete profile: realms with the "verify profile" required action would stop the login otherwise
        u.setFirstName("MaaS");
        u.setLastName("Installer test");
        CredentialRepresentation c = new CredentialRepresentation();
        c.setType(CredentialRepresentation.PASSWORD);
        c.setValue(password);
        c.setTemporary(false);
        u.setCredentials(List.of(c));
        var users = t.admin().realm(t.realm()).users();
        return t.admin().create("create the temporary user " + username, () -> users.create(u),
                () -> users.search(username, true).stream().filter(x -> username.equals(x.getUsername()))
                        .map(UserRepresentation::getId).findFirst()).id();
    }

    private void deleteUser(String id, String username, List<String> leftovers) {
        try {
            Marker.deleteUser(t.admin(), t.realm(), id, username);
        } catch (RuntimeException e) {
            leftovers.add("Keycloak user " + username + " in realm " + t.realm() + " (" + secrets.redact(
                    String.valueOf(e.getMessage())) + "): the next `maas-installer test` removes it, or delete it"
                    + " in the Keycloak admin console");
        }
    }

    // ------------------------------------------------------------------------------------------- the flow

    private void signIn(String username, String password, String email) {
        OkHttpClient browser = t.http().newBuilder().followRedirects(false).followSslRedirects(false)
                .cookieJar(new MemoryCookies()).build();
        String state = Marker.random(16);
        String nonce = Marker.random(16);
        HttpUrl auth = HttpUrl.get(t.realmUrl() + "/protocol/openid-connect/auth").newBuilder()
                .addQueryParameter("client_id", RealmSpec.CLIENT_ID)
                .addQueryParameter("response_type", "code")
                .addQueryParameter("scope", "openid")
                .addQueryParameter("redirect_uri", t.callback())
                .addQueryParameter("state", state)
                .addQueryParameter("nonce", nonce).build();

        // 1. the login page
        long start = System.nanoTime();
        String action;
        try (Response r = browser.newCall(new Request.Builder().url(auth).get().build()).execute()) {
            String body = r.body() == null ? "" : r.body().string();
            Matcher m = LOGIN_FORM.matcher(body);
            if (r.code() == 200 && m.find()) {
                action = unescape(m.group(1) != null ? m.group(1) : m.group(2));
                checks.add(Check.pass("login form", r.code(), ms(start), "Keycloak shows its login form for client "
                        + RealmSpec.CLIENT_ID + " with the portal's callback " + t.callback()));
            } else if (r.isRedirect()) {
                checks.add(Check.fail("login form", r.code(), ms(start), "Keycloak sends the browser to "
                        + r.header("Location") + " instead of showing its login form",
                        "the realm's browser flow redirects to an identity provider at once; allow the login form"
                                + " (Authentication, browser flow) to let the test sign in with a local user"));
                return;
            } else {
                String page = describe(body);
                boolean badRedirect = page.toLowerCase(java.util.Locale.ROOT).contains("redirect");
                checks.add(Check.fail("login form", r.code(), ms(start), "Keycloak does not show its login form"
                        + " for client " + RealmSpec.CLIENT_ID + ": " + page,
                        badRedirect ? "client " + RealmSpec.CLIENT_ID + " does not accept the portal's callback "
                                + t.callback() + " as redirect URI: rerun `maas-installer apply --stage portal`"
                                : "rerun `maas-installer apply --stage " + StageIds.SSO + "`"));
                return;
            }
        } catch (IOException e) {
            checks.add(unreachable("login form", start, t.realmUrl(), e));
            return;
        }
        cancellation.throwIfCancelled();

        // 2. the form posted: Keycloak answers with a redirect to the portal's callback, carrying the code
        start = System.nanoTime();
        String code;
        FormBody form = new FormBody.Builder().add("username", username).add("password", password)
                .add("credentialId", "").build();
        try (Response r = browser.newCall(new Request.Builder().url(HttpUrl.get(absolute(action, auth))).post(form)
                .build()).execute()) {
            String location = r.header("Location");
            HttpUrl back = location == null ? null : HttpUrl.parse(absolute(location, auth));
            if (!r.isRedirect() || back == null) {
                String page = describe(r.body() == null ? "" : r.body().string());
                checks.add(Check.fail("sign in", r.code(), ms(start), "Keycloak did not send the signed-in user"
                        + " back to the portal: " + page,
                        "sign in as a user of realm " + t.realm() + " in a browser to see what it asks for; the"
                                + " realm's required actions or login flow stop the sign-in"));
                return;
            }
            String base = back.newBuilder().query(null).fragment(null).build().toString();
            if (!sameUrl(base, t.callback())) {
                checks.add(Check.fail("sign in", r.code(), ms(start), "Keycloak redirected to " + base
                        + ", not to the portal's callback " + t.callback(), "rerun `maas-installer apply --stage"
                        + " portal`"));
                return;
            }
            if (back.queryParameter("error") != null) {
                checks.add(Check.fail("sign in", r.code(), ms(start), "Keycloak answered the portal with error "
                        + back.queryParameter("error") + ": " + back.queryParameter("error_description"),
                        "rerun `maas-installer apply --stage " + StageIds.SSO + "`"));
                return;
            }
            code = back.queryParameter("code");
            if (code == null || !state.equals(back.queryParameter("state"))) {
                checks.add(Check.fail("sign in", r.code(), ms(start), "the redirect to the portal carries no code"
                        + " or another state", "rerun `maas-installer apply --stage " + StageIds.SSO + "`"));
                return;
            }
            secrets.register(code);
            checks.add(Check.pass("sign in", r.code(), ms(start), "user signed in; Keycloak redirected to the"
                    + " portal's callback with a code"));
        } catch (IOException e) {
            checks.add(unreachable("sign in", start, t.realmUrl(), e));
            return;
        }
        cancellation.throwIfCancelled();

        // 3. the code exchanged as the portal does, with the client secret
        start = System.nanoTime();
        JsonNode tokens;
        FormBody exchange = new FormBody.Builder().add("grant_type", "authorization_code").add("code", code)
                .add("redirect_uri", t.callback()).add("client_id", RealmSpec.CLIENT_ID)
                .add("client_secret", t.clientSecret()).build();
        try (Response r = browser.newCall(new Request.Builder().url(t.realmUrl()
                + "/protocol/openid-connect/token").post(exchange).build()).execute()) {
            String body = r.body() == null ? "" : r.body().string();
            tokens = readJson(body);
            if (r.code() != 200 || !tokens.path("id_token").isTextual()) {
                String error = tokens.path("error").asText("") + " " + tokens.path("error_description").asText("");
                checks.add(Check.fail("code exchange", r.code(), ms(start), "Keycloak refused to exchange the code"
                        + " for tokens: " + (error.isBlank() ? "HTTP " + r.code() : error.strip()),
                        r.code() == 401 ? "the client secret the portal holds differs from client "
                                + RealmSpec.CLIENT_ID + "'s: rerun `maas-installer apply --stage portal`"
                                : "rerun `maas-installer apply --stage " + StageIds.SSO + "`"));
                return;
            }
            tokens.fields().forEachRemaining(f -> {
                if (f.getKey().endsWith("token") && f.getValue().isTextual()) {
                    secrets.register(f.getValue().asText());
                }
            });
            checks.add(Check.pass("code exchange", r.code(), ms(start), "the code was exchanged for an ID token"
                    + " with client " + RealmSpec.CLIENT_ID + "'s secret"));
        } catch (IOException e) {
            checks.add(unreachable("code exchange", start, t.realmUrl(), e));
            return;
        }

        idToken(browser, tokens.path("id_token").asText(), nonce, email);
    }

    /** The ID token: signature (the realm's published key), issuer, audience, nonce, and the portal's claims. */
    private void idToken(OkHttpClient http, String token, String nonce, String email) {
        long start = System.nanoTime();
        String[] parts = token.split("\\.");
        JsonNode header = parts.length == 3 ? readJson(decode(parts[0])) : JSON.createObjectNode();
        JsonNode claims = parts.length == 3 ? readJson(decode(parts[1])) : JSON.createObjectNode();
        JsonNode discovery;
        try (Response r = http.newCall(new Request.Builder().url(t.realmUrl() + "/.well-known/openid-configuration")
                .get().build()).execute()) {
            discovery = readJson(r.body() == null ? "" : r.body().string());
        } catch (IOException e) {
            checks.add(unreachable("ID token issuer", start, t.realmUrl(), e));
            return;
        }
        String issuer = discovery.path("issuer").asText(null);
        String iss = claims.path("iss").asText(null);
        checks.add(issuer != null && issuer.equals(iss)
                ? Check.pass("ID token issuer", null, ms(start), "issuer " + iss)
                : Check.fail("ID token issuer", null, ms(start), "the ID token's issuer " + iss + " is not the"
                        + " realm's issuer " + issuer, "set Keycloak's hostname to the URL the portal uses for it,"
                        + " then rerun `maas-installer apply --stage portal`"));
        start = System.nanoTime();
        String alg = header.path("alg").asText();
        String signature = !"RS256".equals(alg) && parts.length == 3 ? null
                : verifySignature(http, discovery.path("jwks_uri").asText(null), header, parts);
        checks.add(signature == null
                ? Check.pass("ID token signature", null, ms(start), "RS256".equals(alg) ? "RS256, key "
                        + header.path("kid").asText() + " of the realm" : alg + " (the test verifies RS256"
                        + " signatures only)")
                : Check.fail("ID token signature", null, ms(start), signature, "check the realm's keys (Realm"
                        + " settings, Keys) in the Keycloak admin console"));
        JsonNode aud = claims.path("aud");
        boolean audience = aud.isTextual() ? RealmSpec.CLIENT_ID.equals(aud.asText())
                : aud.isArray() && aud.toString().contains("\"" + RealmSpec.CLIENT_ID + "\"");
        checks.add(audience && nonce.equals(claims.path("nonce").asText())
                ? Check.pass("ID token audience", null, null, "audience " + RealmSpec.CLIENT_ID + ", nonce as sent")
                : Check.fail("ID token audience", null, null, "the ID token is for " + aud + " (nonce "
                        + (nonce.equals(claims.path("nonce").asText()) ? "as sent" : "differs") + "), not for client "
                        + RealmSpec.CLIENT_ID, "rerun `maas-installer apply --stage " + StageIds.SSO + "`"));
        JsonNode verified = claims.path("email_verified");
        checks.add(verified.isBoolean() && verified.asBoolean() && email.equals(claims.path("email").asText())
                ? Check.pass("email_verified", null, null, "email " + email + ", email_verified true")
                : Check.fail("email_verified", null, null, "the ID token has " + (verified.isMissingNode()
                        ? "no email_verified claim" : "email_verified " + verified) + " for a user whose email is"
                        + " verified; the portal then asks every developer to confirm the email again",
                        "rerun `maas-installer apply --stage " + StageIds.SSO + "` (it adds the \"email verified\""
                                + " mapper to client " + RealmSpec.CLIENT_ID + ")"));
        JsonNode org = claims.path(RealmConfigurator.ORG_NAME_MAPPER);
        checks.add(org.isTextual() && !org.asText().isBlank()
                ? Check.pass("org_name", null, null, "org_name " + org.asText())
                : Check.fail("org_name", null, null, "the ID token has no org_name claim; the portal cannot name"
                        + " the developer's organization and asks for it at sign-up",
                        "rerun `maas-installer apply --stage " + StageIds.SSO + "` (it adds the org_name mapper to"
                                + " client " + RealmSpec.CLIENT_ID + ")"));
    }

    /** Null when the RS256 signature verifies with the realm's key; else what is wrong. */
    private String verifySignature(OkHttpClient http, String jwksUri, JsonNode header, String[] parts) {
        if (parts.length != 3) {
            return "the ID token is not a signed JWT";
        }
        if (jwksUri == null) {
            return "the realm publishes no keys (no jwks_uri in its discovery document)";
        }
        JsonNode keys;
        try (Response r = http.newCall(new Request.Builder().url(jwksUri).get().build()).execute()) {
            keys = readJson(r.body() == null ? "" : r.body().string()).path("keys");
        } catch (IOException | IllegalArgumentException e) {
            return "cannot read the realm's keys at " + jwksUri + ": " + e.getMessage();
        }
        for (JsonNode k : keys) {
            if (!k.path("kid").asText().equals(header.path("kid").asText()) || !"RSA".equals(k.path("kty").asText())) {
                continue;
            }
            try {
                PublicKey key = KeyFactory.getInstance("RSA").generatePublic(new RSAPublicKeySpec(
                        new BigInteger(1, Base64.getUrlDecoder().decode(k.path("n").asText())),
                        new BigInteger(1, Base64.getUrlDecoder().decode(k.path("e").asText()))));
                Signature sig = Signature.getInstance("SHA256withRSA");
                sig.initVerify(key);
                sig.update((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
                return sig.verify(Base64.getUrlDecoder().decode(parts[2])) ? null
                        : "the ID token's signature does not verify with the realm's key " + k.path("kid").asText();
            } catch (java.security.GeneralSecurityException | IllegalArgumentException e) {
                return "the realm's key " + k.path("kid").asText() + " cannot be used: " + e.getMessage();
            }
        }
        return "the realm publishes no key " + header.path("kid").asText() + " (the ID token's key)";
    }

    // ------------------------------------------------------------------------------------------- helpers

    private static Check unreachable(String name, long start, String url, IOException e) {
        return Check.fail(name, null, ms(start), "no answer from Keycloak at " + url + ": " + e.getMessage(),
                "check that this machine reaches Keycloak's route (or set endpoints.keycloakUrl)");
    }

    static long ms(long startNanos) {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }

    private static String decode(String part) {
        try {
            return new String(Base64.getUrlDecoder().decode(part), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return "";
        }
    }

    private static JsonNode readJson(String text) {
        try {
            JsonNode n = JSON.readTree(text);
            return n == null ? JSON.createObjectNode() : n;
        } catch (IOException e) {
            return JSON.createObjectNode();
        }
    }

    /** The page's error message, else its title, for a failure message. */
    private static String describe(String html) {
        Matcher f = FEEDBACK.matcher(html);
        if (f.find()) {
            return unescape(f.group(1).strip());
        }
        Matcher m = TITLE.matcher(html);
        return m.find() ? "page \"" + unescape(m.group(1).strip()) + "\"" : "an unexpected answer";
    }

    private static String unescape(String s) {
        return s.replace("&amp;", "&").replace("&quot;", "\"").replace("&#39;", "'").replace("&lt;", "<")
                .replace("&gt;", ">").replace("&#x3D;", "=").replace("&#61;", "=");
    }

    private static String absolute(String url, HttpUrl base) {
        HttpUrl resolved = base.resolve(url);
        return resolved == null ? url : resolved.toString();
    }

    private static boolean sameUrl(String a, String b) {
        HttpUrl x = HttpUrl.parse(a);
        HttpUrl y = HttpUrl.parse(b);
        return x != null && y != null && x.scheme().equals(y.scheme()) && x.host().equalsIgnoreCase(y.host())
                && x.port() == y.port() && x.encodedPath().replaceAll("/+$", "")
                .equals(y.encodedPath().replaceAll("/+$", ""));
    }

    /** The browser's cookies, in memory for one sign-in. */
    private static final class MemoryCookies implements CookieJar {
        private final List<Cookie> cookies = new CopyOnWriteArrayList<>();

        @Override
        public void saveFromResponse(HttpUrl url, List<Cookie> list) {
            for (Cookie c : list) {
                cookies.removeIf(o -> o.name().equals(c.name()) && o.domain().equals(c.domain())
                        && o.path().equals(c.path()));
                cookies.add(c);
            }
        }

        @Override
        public List<Cookie> loadForRequest(HttpUrl url) {
            return cookies.stream().filter(c -> c.matches(url)).toList();
        }
    }
}
