package io.meshgate.xds.node;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.MessageDigest;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The bearer token the admin endpoints' {@code /debug} paths require ({@code --admin-token-file},
 * {@code MESHGATE_ADMIN_TOKEN_FILE}). Read once at start; its {@code toString} never shows it.
 */
final class AdminToken {
  private static final String BEARER = "Bearer ";

  private final byte[] secret;

  private AdminToken(byte[] secret) {
    this.secret = secret;
  }

  /**
   * The file's one line, trimmed. Warns through {@code warn} (once, here) when the file's mode lets
   * its group or others read it; the warning names the file, never the token.
   */
  static AdminToken read(Path file, Consumer<String> warn) {
    requireNonNull(file, "file");
    String line;
    try {
      line = Files.readString(file, StandardCharsets.UTF_8).strip();
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot read the admin token file " + file + " (MESHGATE_ADMIN_TOKEN_FILE)", e);
    }
    if (line.isEmpty() || line.contains("\n")) {
      throw new IllegalArgumentException(
          "admin token file "
              + file
              + ": "
              + (line.isEmpty() ? "empty" : "several lines")
              + " (expected: one line, the token)");
    }
    try {
      Set<PosixFilePermission> mode = Files.getPosixFilePermissions(file);
      if (mode.contains(PosixFilePermission.GROUP_READ)
          || mode.contains(PosixFilePermission.OTHERS_READ)) {
        warn.accept(
            "the admin token file " + file + " is readable by its group or others: chmod 600 it");
      }
    } catch (UnsupportedOperationException | IOException e) {
      // Not a POSIX file system: there is no mode to check.
    }
    return new AdminToken(line.getBytes(StandardCharsets.UTF_8));
  }

  /** Whether an {@code Authorization} header value carries this token; constant time in it. */
  boolean admits(String authorization) {
    if (authorization == null
        || !authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
      return false;
    }
    byte[] offered =
        authorization.substring(BEARER.length()).strip().getBytes(StandardCharsets.UTF_8);
    return MessageDigest.isEqual(secret, offered);
  }

  @Override
  public String toString() {
    return "AdminToken[***]";
  }
}
