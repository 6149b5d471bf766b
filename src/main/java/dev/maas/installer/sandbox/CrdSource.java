package dev.maas.installer.sandbox;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Where the test cluster reads its CustomResourceDefinitions from: a folder laid out like
 * {@code shared/reference/crds} or a classpath prefix with an {@code index.txt} (the copy bundled in the app).
 * <p>
 * In a folder, the YAML files directly in {@code 3scale/} (the operator's master branch), in
 * {@code keycloak/legacy-v1alpha1/}, {@code keycloak/v2alpha1/} and {@code olm/} are read, plus any YAML directly in
 * the folder itself; the per-release 3scale folders are not (they define the same kinds).
 */
public abstract class CrdSource {
    /** The sub-folders read from a reference folder. */
    public static final List<String> FOLDERS = List.of("3scale", "keycloak/legacy-v1alpha1", "keycloak/v2alpha1", "olm");
    /** The classpath prefix of the CRDs bundled with the app. */
    public static final String BUNDLED = "dev/maas/installer/sandbox/crds";
    /** System property naming the reference folder (its {@code crds} sub-folder is used). */
    public static final String REFERENCE_DIR_PROPERTY = "maas.reference.dir";

    /** One CRD document: where it came from and its YAML text. */
    public record Document(String origin, String yaml) { }

    public abstract List<Document> load();

    public abstract String describe();

    /** The reference folder from {@code -Dmaas.reference.dir} when set and present, else the bundled copy. */
    public static CrdSource defaultSource() {
        String ref = System.getProperty(REFERENCE_DIR_PROPERTY);
        if (ref != null && !ref.isBlank()) {
            Path crds = Path.of(ref).resolve("crds");
            if (Files.isDirectory(crds)) {
                return directory(crds);
            }
        }
        return classpath(BUNDLED);
    }

    public static CrdSource directory(Path root) {
        return new CrdSource() {
            @Override
            public List<Document> load() {
                List<Document> docs = new ArrayList<>();
                addYamlFiles(root, docs);
                for (String folder : FOLDERS) {
                    addYamlFiles(root.resolve(folder), docs);
                }
                if (docs.isEmpty()) {
                    throw new IllegalStateException("no CRD YAML files found under " + root);
                }
                return docs;
            }

            @Override
            public String describe() {
                return root.toString();
            }
        };
    }

    public static CrdSource classpath(String prefix) {
        String base = prefix.endsWith("/") ? prefix : prefix + "/";
        return new CrdSource() {
            @Override
            public List<Document> load() {
                ClassLoader loader = CrdSource.class.getClassLoader();
                String index = read(loader, base + "index.txt");
                List<Document> docs = new ArrayList<>();
                for (String line : index.split("\\R")) {
                    String name = line.trim();
                    if (!name.isEmpty() && !name.startsWith("#")) {
                        docs.add(new Document("classpath:" + base + name, read(loader, base + name)));
                    }
                }
                return docs;
            }

            @Override
            public String describe() {
                return "classpath:" + base;
            }
        };
    }

    static String read(ClassLoader loader, String resource) {
        try (InputStream in = loader.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + resource);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void addYamlFiles(Path dir, List<Document> docs) {
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(Files::isRegularFile)
                    .filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml"))
                    .sorted().toList()) {
                docs.add(new Document(f.toString(), Files.readString(f)));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
