import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * Packaging helper, run as a single-file program ({@code java StripModuleInfo.java a.jar b.jar ...}): rewrites each
 * jar in place without its module-info.class entries, so that jdeps analyses it as a plain class-path jar.
 * Only used on throw-away copies inside target/jpackage/work.
 */
public final class StripModuleInfo {
    public static void main(String[] args) throws IOException {
        for (String arg : args) {
            Path jar = Path.of(arg);
            Path tmp = Files.createTempFile(jar.getParent(), "strip", ".jar");
            boolean stripped = false;
            try (InputStream raw = Files.newInputStream(jar);
                 ZipInputStream in = new ZipInputStream(raw);
                 OutputStream rawOut = Files.newOutputStream(tmp);
                 ZipOutputStream out = new ZipOutputStream(rawOut)) {
                for (ZipEntry e; (e = in.getNextEntry()) != null; ) {
                    String name = e.getName();
                    if (name.equals("module-info.class") || name.matches("META-INF/versions/\\d+/module-info\\.class")) {
                        stripped = true;
                        continue;
                    }
                    out.putNextEntry(new ZipEntry(name));
                    in.transferTo(out);
                    out.closeEntry();
                }
            }
            if (stripped) {
                Files.move(tmp, jar, StandardCopyOption.REPLACE_EXISTING);
            } else {
                Files.delete(tmp);
            }
        }
    }
}
