package dev.maas.installer.engine.files;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Files and folders only their owner may read: everything the installer writes that may hold state (the run journal,
 * the trust store, exported configuration, diagnostics). On POSIX file systems a file is created 0600 (a folder
 * 0700) <em>before</em> its first byte is written; a file or folder that already exists with wider permissions is
 * tightened, never written to as it is. Elsewhere (Windows) the user's profile folders are private already and the
 * permissions are left to the file system.
 */
public final class PrivateFiles {
    public static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-------");
    public static final Set<PosixFilePermission> DIRECTORY = PosixFilePermissions.fromString("rwx------");

    private PrivateFiles() { }

    public static boolean posix() {
        return FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
    }

    /**
     * Opens {@code file} for writing, owner-only: created 0600 when new; when it exists, first tightened to 0600,
     * then truncated (or appended to). Missing parent folders are created (0700, see {@link #directory}).
     */
    public static OutputStream open(Path file, boolean append) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null && !Files.isDirectory(parent)) {
            directory(parent);
        }
        if (Files.isSymbolicLink(file)) {
            throw new IOException(file + " is a symbolic link: refusing to write private data through it");
        }
        if (posix()) {
            if (Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
                Files.setPosixFilePermissions(file, FILE);
            } else {
                Files.createFile(file, PosixFilePermissions.asFileAttribute(FILE));
            }
        }
        return Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                append ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING);
    }

    /** Writes {@code content} to {@code file}, owner-only (see {@link #open}). */
    public static void write(Path file, byte[] content) throws IOException {
        try (OutputStream out = open(file, false)) {
            out.write(content);
        }
    }

    /**
     * Replaces {@code file} with {@code content} atomically, owner-only: the bytes go to a temporary file in the same
     * folder, created 0600 (through {@link #open}) before its first byte, which is then moved over {@code file}; readers
     * see the old file or the whole new one, and a file that existed with wider permissions is replaced by a 0600
     * one (the move replaces a symbolic link itself, never the file it points to). Missing parent folders are
     * created 0700.
     */
    public static void replace(Path file, byte[] content) throws IOException {
        Path target = file.toAbsolutePath();
        Path folder = target.getParent();
        if (!Files.isDirectory(folder)) {
            directory(folder);
        }
        Path tmp = folder.resolve("." + target.getFileName() + "." + Long.toHexString(System.nanoTime()) + ".tmp");
        try {
            write(tmp, content);
            try {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            tighten(target);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * Makes sure {@code dir} exists and only its owner may enter it: missing folders on the way are created 0700;
     * {@code dir} itself, when it existed with wider permissions, is tightened to 0700. Use it for folders that are
     * the installer's own (the journal folder), not for a folder the user chose.
     */
    public static Path directory(Path dir) throws IOException {
        Path abs = dir.toAbsolutePath();
        if (!posix()) {
            return Files.createDirectories(abs);
        }
        Path parent = abs.getParent();
        if (parent != null && !Files.isDirectory(parent)) {
            directory(parent);
        }
        if (Files.isDirectory(abs)) {
            if (!Files.getPosixFilePermissions(abs).equals(DIRECTORY)) {
                Files.setPosixFilePermissions(abs, DIRECTORY);
            }
        } else {
            Files.createDirectory(abs, PosixFilePermissions.asFileAttribute(DIRECTORY));
        }
        return abs;
    }

    /** Tightens an existing file to 0600 (POSIX); does nothing when it does not exist. */
    public static void tighten(Path file) throws IOException {
        if (posix() && Files.exists(file, LinkOption.NOFOLLOW_LINKS) && !Files.isSymbolicLink(file)) {
            Files.setPosixFilePermissions(file, Files.isDirectory(file) ? DIRECTORY : FILE);
        }
    }
}
