package dev.maas.installer.portal;

/** The kinds of CMS templates, named as the CMS API's {@code type} field. */
public enum TemplateKind {
    LAYOUT("layout", false),
    PARTIAL("partial", false),
    PAGE("page", false),
    BUILTIN_PAGE("builtin_page", true),
    BUILTIN_PARTIAL("builtin_partial", true);

    private final String cmsType;
    private final boolean builtin;

    TemplateKind(String cmsType, boolean builtin) {
        this.cmsType = cmsType;
        this.builtin = builtin;
    }

    /** The CMS API {@code type} value. */
    public String cmsType() {
        return cmsType;
    }

    /** Builtins are updated, never created. */
    public boolean builtin() {
        return builtin;
    }

    /** True for kinds matched by {@code system_name} (all but ordinary pages, which are matched by {@code path}). */
    public boolean matchedBySystemName() {
        return this != PAGE;
    }

    public static TemplateKind fromCmsType(String type) {
        for (TemplateKind k : values()) {
            if (k.cmsType.equals(type)) {
                return k;
            }
        }
        return null;
    }
}
