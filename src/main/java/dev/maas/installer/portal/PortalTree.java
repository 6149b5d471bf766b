package dev.maas.installer.portal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitOption;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reads a developer portal content folder into the CMS state it asks for.
 *
 * <ul>
 * <li>Folders become sections (only those that hold pages or files, with their parents: layouts, partials and
 * builtins have no section of their own in the CMS).</li>
 * <li>{@code l_NAME.html[.liquid]} is the layout {@code NAME}.</li>
 * <li>{@code [dir/]_NAME.EXT[.liquid]} is the partial {@code [dir/]NAME}; a builtin partial when that name is one of
 * {@link BuiltinTemplates#PARTIALS}.</li>
 * <li>{@code dir/NAME.html[.liquid]} whose {@code dir/NAME} is one of {@link BuiltinTemplates#PAGES} is that builtin
 * page. Any other template in a builtin folder (e.g. {@code login/other.html.liquid}) is a problem.</li>
 * <li>Other {@code .html}, {@code .css}, {@code .js} files (optionally ending in {@code .liquid}, which turns Liquid
 * on) are pages: {@code index.html} is the folder's own path ({@code /} at the top), {@code NAME.html} is
 * {@code /dir/NAME}, CSS and JS keep their file name ({@code /css/maas.css}). Content type from the extension; HTML
 * pages use the layout {@code main_layout}.</li>
 * <li>Anything else (images, fonts, favicon) is a file, uploaded as is at {@code /dir/NAME.EXT}.</li>
 * <li>Names starting with '.' are skipped (editor and VCS files).</li>
 * </ul>
 * Every item carries the SHA-256 of its bytes; nothing looks at timestamps. Bad items become {@link PortalProblem}s
 * naming the file and the fix; the other items are still returned.
 */
public final class PortalTree {

    /** Layout system name given to ordinary HTML pages. */
    public static final String DEFAULT_LAYOUT = "main_layout";

    private static final String LIQUID = ".liquid";

    /**
     * A page's content type by extension, as porta names them: its own default content is created with Rails'
     * {@code Mime[:js]} and {@code Mime[:css]} (app/lib/simple_layout.rb#import_js_and_css!; actionpack registers
     * text/javascript, with application/javascript as a synonym, and text/css), its CMS page form offers text/html,
     * text/css and text/javascript (app/views/provider/admin/cms/pages/_form.html.erb), and a page without one is
     * text/html (app/models/cms/page.rb DEFAULT_CONTENT_TYPE). Sent with each page (templates API
     * {@code content_type}); the developer portal serves the page with it.
     */
    public static final Map<String, String> TEMPLATE_TYPES = Map.of(
            "html", "text/html",
            "css", "text/css",
            "js", "text/javascript");

    private static final Map<String, String> FILE_TYPES = Map.ofEntries(
            Map.entry("png", "image/png"), Map.entry("jpg", "image/jpeg"), Map.entry("jpeg", "image/jpeg"),
            Map.entry("gif", "image/gif"), Map.entry("svg", "image/svg+xml"), Map.entry("webp", "image/webp"),
            Map.entry("ico", "image/vnd.microsoft.icon"), Map.entry("woff", "font/woff"),
            Map.entry("woff2", "font/woff2"), Map.entry("ttf", "font/ttf"), Map.entry("otf", "font/otf"),
            Map.entry("eot", "application/vnd.ms-fontobject"), Map.entry("pdf", "application/pdf"),
            Map.entry("json", "application/json"), Map.entry("txt", "text/plain"), Map.entry("xml", "application/xml"),
            Map.entry("map", "application/json"));

    /** porta app/models/cms/template.rb: a template's system_name, {@code \A\w[\w\-\/_]+\z}. */
    static final java.util.regex.Pattern CMS_SYSTEM_NAME = java.util.regex.Pattern.compile("\\w[\\w\\-/_]+");

    private final Path root;
    private final List<PortalProblem> problems = new ArrayList<>();
    private final Map<String, DesiredTemplate> templatesByKey = new LinkedHashMap<>();
    private final Map<String, DesiredFile> filesByPath = new LinkedHashMap<>();
    private final Map<String, DesiredSection> sections = new TreeMap<>();

    private PortalTree(Path root) {
        this.root = root;
    }

    /**
     * Reads the folder. Never throws for a bad item (it becomes a problem); throws {@link PortalContentException} only
     * when {@code folder} itself is not a readable folder.
     */
    public static DesiredPortal read(Path folder) {
        Path root = folder.toAbsolutePath().normalize();
        if (!Files.isDirectory(root)) {
            throw new PortalContentException(List.of(new PortalProblem(root.toString(),
                    "is not a folder.", "Point the portal content setting to the folder that holds "
                            + "l_main_layout.html.liquid, the pages, css/ and images/.")));
        }
        return new PortalTree(root).walk();
    }

    private DesiredPortal walk() {
        List<Path> entries = new ArrayList<>();
        try {
            Files.walkFileTree(root, EnumSet.of(FileVisitOption.FOLLOW_LINKS), Integer.MAX_VALUE,
                    new SimpleFileVisitor<>() {
                        @Override
                        public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                            if (!dir.equals(root) && hidden(dir)) {
                                return FileVisitResult.SKIP_SUBTREE;
                            }
                            return FileVisitResult.CONTINUE;
                        }

                        @Override
                        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                            if (!hidden(file)) {
                                entries.add(file);
                            }
                            return FileVisitResult.CONTINUE;
                        }

                        @Override
                        public FileVisitResult postVisitDirectory(Path dir, IOException exc) {
                            if (exc != null) {
                                problems.add(unreadable(dir.equals(root) ? "." : rel(dir) + "/", exc));
                            }
                            return FileVisitResult.CONTINUE;
                        }

                        @Override
                        public FileVisitResult visitFileFailed(Path file, IOException exc) {
                            if (!hidden(file)) {
                                problems.add(unreadable(rel(file), exc));
                            }
                            return FileVisitResult.CONTINUE;
                        }
                    });
        } catch (IOException e) {
            problems.add(unreadable(".", e));
        }
        entries.sort(null);
        for (Path p : entries) {
            classify(p);
        }
        filesByPath.values().removeIf(f -> {
            DesiredTemplate page = templatesByKey.get("page:" + f.path());
            if (page != null) {
                problems.add(new PortalProblem(f.file(), "has the same URL " + f.path() + " as the page from "
                        + page.file() + ".", "Rename one of the two."));
                return true;
            }
            return false;
        });
        return new DesiredPortal(root, new ArrayList<>(sections.values()), new ArrayList<>(templatesByKey.values()),
                new ArrayList<>(filesByPath.values()), problems);
    }

    private static boolean hidden(Path p) {
        Path name = p.getFileName();
        return name != null && name.toString().startsWith(".");
    }

    private String rel(Path p) {
        return root.relativize(p).toString().replace('\\', '/');
    }

    private void classify(Path p) {
        String rel = rel(p);
        int slash = rel.lastIndexOf('/');
        String folder = slash < 0 ? "" : rel.substring(0, slash);
        String name = rel.substring(slash + 1);
        boolean liquid = name.endsWith(LIQUID) && name.length() > LIQUID.length();
        String base = liquid ? name.substring(0, name.length() - LIQUID.length()) : name;
        int dot = base.lastIndexOf('.');
        String ext = dot <= 0 ? "" : base.substring(dot + 1).toLowerCase(Locale.ROOT);
        String stem = dot <= 0 ? base : base.substring(0, dot);
        String templateType = TEMPLATE_TYPES.get(ext);

        if (templateType == null) {
            if (liquid) {
                problems.add(new PortalProblem(rel, "is a Liquid file but not an .html, .css or .js template.",
                        "Rename it to NAME.html.liquid, NAME.css.liquid or NAME.js.liquid, or drop the .liquid "
                                + "suffix to upload it as a plain file."));
                return;
            }
            addFile(p, rel, folder, ext);
            return;
        }

        if (name.startsWith("l_") && ext.equals("html")) {
            String layout = stem.substring(2);
            if (layout.isEmpty()) {
                problems.add(new PortalProblem(rel, "has no layout name after 'l_'.",
                        "Name layouts l_NAME.html.liquid, e.g. l_main_layout.html.liquid."));
                return;
            }
            addTemplate(p, rel, TemplateKind.LAYOUT, layout, title(layout), null, null, null, liquid, null);
            return;
        }

        String folderPrefix = folder.isEmpty() ? "" : folder + "/";
        if (name.startsWith("_")) {
            String partial = folderPrefix + stem.substring(1);
            if (stem.length() == 1) {
                problems.add(new PortalProblem(rel, "has no partial name after '_'.",
                        "Name partials _NAME.html.liquid, e.g. _footer.html.liquid."));
            } else if (BuiltinTemplates.isBuiltinPartial(partial)) {
                addTemplate(p, rel, TemplateKind.BUILTIN_PARTIAL, partial, partial, null, null, null, liquid, null);
            } else if (BuiltinTemplates.LEGAL_TERMS.contains(partial)) {
                problems.add(new PortalProblem(rel, "uses the name of the 3scale legal term '" + partial
                        + "', which cannot be set as a template.",
                        "Rename the partial, or edit the legal term in the 3scale admin portal "
                                + "(Audience > Developer Portal > Legal Terms)."));
            } else if (BuiltinTemplates.isBuiltinFolder(folder)) {
                problems.add(unknownBuiltin(rel, folder, "partial '" + partial + "'",
                        BuiltinTemplates.partialsIn(folder), "_"));
            } else {
                addTemplate(p, rel, TemplateKind.PARTIAL, partial, partial, null, null, null, liquid, null);
            }
            return;
        }

        String stemPath = folderPrefix + stem;
        if (ext.equals("html") && BuiltinTemplates.isBuiltinPage(stemPath)) {
            addTemplate(p, rel, TemplateKind.BUILTIN_PAGE, stemPath, title(stemPath), null, null, null, liquid, null);
            return;
        }
        if (BuiltinTemplates.isBuiltinFolder(folder)) {
            problems.add(unknownBuiltin(rel, folder, "page '" + stemPath + "'", BuiltinTemplates.pagesIn(folder), ""));
            return;
        }
        String sectionPath = "/" + folder;
        String path;
        String title;
        if (ext.equals("html")) {
            path = stem.equals("index") ? sectionPath : "/" + stemPath;
            title = stem.equals("index") ? (folder.isEmpty() ? "Homepage" : title(folder)) : title(stem);
        } else {
            path = "/" + folderPrefix + base;
            title = base;
        }
        addTemplate(p, rel, TemplateKind.PAGE, null, title, path, sectionPath, templateType, liquid,
                ext.equals("html") ? DEFAULT_LAYOUT : null);
        ensureSection(folder);
    }

    private static PortalProblem unknownBuiltin(String rel, String folder, String what, List<String> known,
            String filePrefix) {
        String knownText = known.isEmpty() ? "none" : String.join(", ", known);
        return new PortalProblem(rel, "is in the builtin folder '" + folder + "/' but " + what
                + " is not a 3scale builtin (builtins there: " + knownText + "); 3scale only lets builtins be "
                + "updated, never created, and owns the URLs under /" + folder + ".",
                "Rename it to one of the builtins (" + folder + "/" + filePrefix + "NAME.html.liquid), or move it "
                        + "to a folder of your own that is not a builtin folder.");
    }

    private static PortalProblem unreadable(String rel, IOException e) {
        String reason = e.getClass().getSimpleName()
                + (e.getMessage() == null ? "" : " (" + e.getMessage() + ")");
        return new PortalProblem(rel, "cannot be read: " + reason + ".",
                "Check that the file exists, is not a broken link, and is readable by the user running the "
                        + "installer; or remove it from the content folder.");
    }

    private byte[] readBytes(Path p, String rel) {
        try {
            return Files.readAllBytes(p);
        } catch (IOException e) {
            problems.add(unreadable(rel, e));
            return null;
        }
    }

    private void addTemplate(Path p, String rel, TemplateKind kind, String systemName, String title, String path,
            String sectionPath, String contentType, boolean liquid, String layout) {
        byte[] bytes = readBytes(p, rel);
        if (bytes == null) {
            return;
        }
        String content;
        try {
            content = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            problems.add(new PortalProblem(rel, "is not valid UTF-8 text, so it cannot be a CMS template.",
                    "Save it as UTF-8, or give it an extension other than .html/.css/.js to upload it as a file."));
            return;
        }
        if ((kind == TemplateKind.LAYOUT || kind == TemplateKind.PARTIAL)
                && !CMS_SYSTEM_NAME.matcher(systemName).matches()) {
            problems.add(new PortalProblem(rel, "gives the " + kind.cmsType() + " the system name '" + systemName
                    + "', which 3scale refuses: a template's system name needs at least two characters, letters,"
                    + " digits, '_', '-' or '/', starting with a letter, digit or '_'.",
                    "Rename the file, e.g. " + (kind == TemplateKind.LAYOUT ? "l_main_layout.html.liquid"
                            : "_footer.html.liquid") + "."));
            return;
        }
        DesiredTemplate t = new DesiredTemplate(rel, kind, systemName, title, path, sectionPath, contentType, liquid,
                layout, content, sha256(bytes));
        String key = kind.matchedBySystemName() ? kind.cmsType() + ":" + systemName : "page:" + path;
        DesiredTemplate previous = templatesByKey.putIfAbsent(key, t);
        if (previous != null) {
            problems.add(new PortalProblem(rel, "maps to the same " + kind.cmsType() + " '" + t.key() + "' as "
                    + previous.file() + ".", "Keep only one of the two files."));
        }
    }

    private void addFile(Path p, String rel, String folder, String ext) {
        byte[] bytes = readBytes(p, rel);
        if (bytes == null) {
            return;
        }
        String path = "/" + rel;
        filesByPath.put(path, new DesiredFile(rel, path, "/" + folder,
                FILE_TYPES.getOrDefault(ext, "application/octet-stream"), sha256(bytes), bytes));
        ensureSection(folder);
    }

    private void ensureSection(String folder) {
        while (!folder.isEmpty() && !sections.containsKey("/" + folder)) {
            int slash = folder.lastIndexOf('/');
            String parent = slash < 0 ? "" : folder.substring(0, slash);
            String title = folder.substring(slash + 1);
            sections.put("/" + folder, new DesiredSection("/" + folder, title, folder.replace('/', '-'),
                    "/" + parent));
            folder = parent;
        }
    }

    /** "models" -> "Models", "getting_started" -> "Getting started", "login/new" -> "Login new". */
    static String title(String name) {
        String t = name.replace('/', ' ').replace('_', ' ').replace('-', ' ').trim();
        return t.isEmpty() ? name : Character.toUpperCase(t.charAt(0)) + t.substring(1);
    }

    /**
     * Rails' {@code String#parameterize}, which porta uses to make a CMS page's or section's system name from its
     * title (app/models/cms/page.rb, section.rb): accents dropped, every run of characters other than ASCII letters,
     * digits, '-' and '_' one '-', no '-' at either end, lower case.
     */
    public static String parameterize(String text) {
        String ascii = java.text.Normalizer.normalize(text == null ? "" : text, java.text.Normalizer.Form.NFD)
                .replaceAll("\\p{M}", "");
        return ascii.replaceAll("(?i)[^a-z0-9\\-_]+", "-").replaceAll("-{2,}", "-").replaceAll("^-|-$", "")
                .toLowerCase(Locale.ROOT);
    }

    /** Lower-case hex SHA-256 of the bytes. */
    public static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }
}
