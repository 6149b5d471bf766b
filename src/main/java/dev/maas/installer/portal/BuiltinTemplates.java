package dev.maas.installer.portal;

import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The builtin pages and partials of the 3scale developer portal CMS. 3scale creates them itself; the API lets us update
 * their content but never create them.
 *
 * <p>Source: 3scale/porta {@code app/models/cms/builtin.rb} ({@code CMS::Builtin::ORIGINAL_PATHS} for pages,
 * {@code CMS::Builtin::Partial::ORIGINAL_PATHS} for partials) and {@code app/lib/simple_layout.rb}
 * ({@code create_builtin_pages_and_partials!}); legal terms from {@code app/models/cms/builtin/legal_term.rb}.
 * Checked at porta master ecd60bd31d3e6b1ad300a2723d6f3ca1e80e753e.
 */
public final class BuiltinTemplates {

    /** System names of builtin pages (CMS type {@code builtin_page}). */
    public static final Set<String> PAGES = Set.copyOf(List.of(
            "errors/not_found", "errors/forbidden", "errors/internal_server_error",
            "dashboards/show",
            "applications/new", "applications/choose_service", "applications/edit", "applications/index",
            "applications/show", "applications/alerts/index",
            "invoices/index", "invoices/show",
            "account/show", "account/edit",
            "accounts/users/index", "accounts/users/edit",
            "user/show",
            "messages/outbox/index", "messages/outbox/show", "messages/outbox/new",
            "messages/inbox/index", "messages/inbox/show",
            "messages/trash/index", "messages/trash/show",
            "signup/show", "signup/success",
            "login/new",
            "password/new", "password/show",
            "services/new", "services/index",
            "invitations/index", "invitations/new",
            "accounts/payment_gateways/edit", "accounts/payment_gateways/show",
            "account_plans/index",
            "accounts/plan_changes/index",
            "stats/index",
            "search/index",
            "accounts/invitee_signups/show"));

    /** System names of builtin partials (CMS type {@code builtin_partial}); file {@code a/_b.html.liquid} is {@code a/b}. */
    public static final Set<String> PARTIALS = Set.copyOf(List.of(
            "stats/chart", "applications/form", "messages/menu", "shared/pagination", "shared/swagger_ui",
            "signup/cas", "login/sso", "field", "submenu", "menu_item", "users_menu"));

    /**
     * Builtin legal terms (partials 3scale reserves; edited under Audience &gt; Legal terms, not through templates).
     */
    public static final Set<String> LEGAL_TERMS = Set.of(
            "signup_licence", "service_subscription_licence", "new_application_licence");

    /**
     * Folders that hold builtins ("applications", "messages/inbox", ...): every template in them must be a known
     * builtin, since their URLs belong to 3scale's own controllers.
     */
    public static final Set<String> FOLDERS = folders();

    private BuiltinTemplates() {
    }

    public static boolean isBuiltinPage(String systemName) {
        return PAGES.contains(systemName);
    }

    public static boolean isBuiltinPartial(String systemName) {
        return PARTIALS.contains(systemName);
    }

    /** True if the folder (relative, '/'-separated, no leading slash; "" = root) holds builtins. */
    public static boolean isBuiltinFolder(String folder) {
        return FOLDERS.contains(folder);
    }

    /** The builtin page names in a folder, sorted, for error messages. */
    public static List<String> pagesIn(String folder) {
        return namesIn(PAGES, folder);
    }

    /** The builtin partial names in a folder, sorted, for error messages. */
    public static List<String> partialsIn(String folder) {
        return namesIn(PARTIALS, folder);
    }

    private static List<String> namesIn(Set<String> names, String folder) {
        TreeSet<String> out = new TreeSet<>();
        for (String n : names) {
            int slash = n.lastIndexOf('/');
            String f = slash < 0 ? "" : n.substring(0, slash);
            if (f.equals(folder)) {
                out.add(n);
            }
        }
        return List.copyOf(out);
    }

    private static Set<String> folders() {
        TreeSet<String> out = new TreeSet<>();
        for (Set<String> names : List.of(PAGES, PARTIALS)) {
            for (String n : names) {
                int slash = n.lastIndexOf('/');
                while (slash > 0) {
                    n = n.substring(0, slash);
                    out.add(n);
                    slash = n.lastIndexOf('/');
                }
            }
        }
        return Set.copyOf(out);
    }
}
