package io.meshgate.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshgate.embedded.Tether;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The archive {@code mvn package} built runs from where it is unpacked with nothing but a JRE: no
 * Maven, no source tree, no classpath from the build.
 */
class DistributionIT {
  private static final String VERSION = System.getProperty("meshgate.version");
  private static final Path ARCHIVE = Path.of(System.getProperty("meshgate.archive"));

  /** The JRE running this test: a Java 17 or newer, as the launcher demands. */
  private static final Path JAVA_HOME = Path.of(System.getProperty("java.home"));

  /** sh, sed, head, dirname: what the launcher needs from the system besides Java. */
  private static final String SYSTEM_PATH = "/usr/bin:/bin";

  @TempDir static Path unpacked;
  @TempDir Path dir;

  private static Path home;

  record Run(int exitCode, String out, String err) {}

  @BeforeAll
  static void unpack() throws Exception {
    assertThat(ARCHIVE).as("built by mvn package").isRegularFile();
    Process tar =
        new ProcessBuilder("tar", "-xzf", ARCHIVE.toString(), "-C", unpacked.toString())
            .redirectErrorStream(true)
            .start();
    String output = new String(tar.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(tar.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(tar.exitValue()).as("tar: %s", output).isZero();
    home = unpacked.resolve("meshgate-" + VERSION);
  }

  /** Runs {@code command} in {@code dir} with exactly {@code environment}. */
  private Run run(Map<String, String> environment, String... command) throws Exception {
    ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile());
    builder.environment().clear();
    builder.environment().putAll(environment);
    builder.redirectOutput(dir.resolve("out").toFile()).redirectError(dir.resolve("err").toFile());
    Process process = Tether.start(builder);
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("%s returns", List.of(command)).isTrue();
    return new Run(
        process.exitValue(),
        Files.readString(dir.resolve("out")),
        Files.readString(dir.resolve("err")));
  }

  private static Map<String, String> withJavaHome() {
    return Map.of("JAVA_HOME", JAVA_HOME.toString(), "PATH", SYSTEM_PATH);
  }

  private Path executable(String relative, String content) throws IOException {
    Path file = dir.resolve(relative);
    Files.createDirectories(file.getParent());
    Files.writeString(file, content);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    return file;
  }

  @Test
  void archiveHoldsTheLauncherLibrariesSettingsAndUnits() throws IOException {
    assertThat(Files.getPosixFilePermissions(home.resolve("bin/meshgate")))
        .contains(PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OTHERS_EXECUTE);
    assertThat(home.resolve("conf/node.env")).isRegularFile();
    assertThat(home.resolve("conf/envoy-gateway.env")).isRegularFile();
    assertThat(home.resolve("systemd/meshgate-node.service")).isRegularFile();
    assertThat(home.resolve("systemd/meshgate-register.service")).isRegularFile();
    assertThat(home.resolve("systemd/envoy-gateway.service")).isRegularFile();
    assertThat(home.resolve("LICENSE")).isRegularFile();
    assertThat(home.resolve("README.md")).isRegularFile();
    try (Stream<Path> lib = Files.list(home.resolve("lib"))) {
      assertThat(lib.map(jar -> jar.getFileName().toString()))
          .contains("meshgate-xds-node-" + VERSION + ".jar")
          .anyMatch(jar -> jar.startsWith("picocli-"))
          .anyMatch(jar -> jar.startsWith("logback-classic-"))
          .noneMatch(jar -> jar.startsWith("junit-") || jar.startsWith("meshgate-testkit-"));
    }
  }

  @Test
  void launcherRunsTheCliWithJavaHome() throws Exception {
    // when
    Run run = run(withJavaHome(), home.resolve("bin/meshgate").toString(), "--version");

    // then
    assertThat(run.err()).isEmpty();
    assertThat(run.out()).isEqualTo("meshgate " + VERSION + "\n");
    assertThat(run.exitCode()).isZero();
  }

  @Test
  void nodeHelpNamesEverySettingWithoutPicocliWarnings() throws Exception {
    // when
    Run run = run(withJavaHome(), home.resolve("bin/meshgate").toString(), "node", "--help");

    // then
    assertThat(run.err()).isEmpty();
    assertThat(run.out()).contains("MESHGATE_XDS_ADDR").contains("MESHGATE_MAX_CONNECTION_AGE");
    assertThat(run.exitCode()).isZero();
  }

  @Test
  void launcherFindsJavaOnThePathThroughASymlinkedLauncher() throws Exception {
    // given: java on the PATH only, and the launcher linked from elsewhere as packages do
    Path bin = Files.createDirectories(dir.resolve("path"));
    Files.createSymbolicLink(bin.resolve("java"), JAVA_HOME.resolve("bin/java"));
    Path link = Files.createSymbolicLink(bin.resolve("meshgate"), home.resolve("bin/meshgate"));

    // when
    Run run = run(Map.of("PATH", bin + ":" + SYSTEM_PATH), link.toString(), "--version");

    // then
    assertThat(run.err()).isEmpty();
    assertThat(run.out()).isEqualTo("meshgate " + VERSION + "\n");
    assertThat(run.exitCode()).isZero();
  }

  @Test
  void archiveValidatesItsOwnExamplesOffline() throws Exception {
    // when: validate loads config-store, the schemas and Jackson from lib/
    Run run =
        run(
            withJavaHome(),
            home.resolve("bin/meshgate").toString(),
            "validate",
            "-f",
            home.resolve("examples").toString());

    // then
    assertThat(run.exitCode()).as("stdout: %s%nstderr: %s", run.out(), run.err()).isZero();
  }

  @Test
  void gatewayUnitWritesEnvoysBootstrapWithTheArchive() throws Exception {
    // given: the unit's ExecStartPre as systemd hands it to sh ($$ is $, %t is the runtime root)
    String unit = Files.readString(home.resolve("systemd/envoy-gateway.service"));
    String line =
        unit.lines()
            .filter(l -> l.startsWith("ExecStartPre=/bin/sh -c '"))
            .findFirst()
            .orElseThrow();
    String script =
        line.substring("ExecStartPre=/bin/sh -c '".length(), line.length() - 1)
            .replace("$$", "$")
            .replace("%t", dir.toString())
            .replace("/opt/meshgate", home.toString());
    Files.createDirectories(dir.resolve("envoy-gateway"));
    Map<String, String> environment =
        Map.of(
            "JAVA_HOME", JAVA_HOME.toString(),
            "PATH", SYSTEM_PATH,
            "MESHGATE_GATEWAY", "web",
            "MESHGATE_GATEWAY_NAMESPACE", "shop",
            "MESHGATE_NODE_ID", "vm-7-gateway",
            "MESHGATE_XDS", "10.0.0.1:18000,10.0.0.2:18000",
            "MESHGATE_BOOTSTRAP_FLAGS", "--zone eu-west-1a --envoy-admin-port 9902");

    // when
    Run run = run(environment, "/bin/sh", "-c", script);

    // then
    assertThat(run.exitCode()).as("stderr: %s", run.err()).isZero();
    String bootstrap = Files.readString(dir.resolve("envoy-gateway/bootstrap.yaml"));
    assertThat(bootstrap)
        .contains("vm-7-gateway")
        .contains("10.0.0.1")
        .contains("10.0.0.2")
        .contains("eu-west-1a")
        .contains("9902");
  }

  @Test
  void launcherRefusesAJavaOlderThan17AndSaysWhichItFound() throws Exception {
    // given: a JAVA_HOME whose java says it is Java 11
    Path oldJava = dir.resolve("jdk-11");
    executable("jdk-11/bin/java", "#!/bin/sh\necho 'openjdk version \"11.0.22\" 2024-01-16' >&2\n");

    // when
    Run run =
        run(
            Map.of("JAVA_HOME", oldJava.toString(), "PATH", SYSTEM_PATH),
            home.resolve("bin/meshgate").toString(),
            "--version");

    // then
    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.out()).isEmpty();
    assertThat(run.err())
        .contains("Java 11.0.22")
        .contains("Java 17 or newer is needed")
        .contains(oldJava.resolve("bin/java").toString());
  }

  @Test
  void launcherReadsAJava8VersionAsEight() throws Exception {
    // given
    Path oldJava = dir.resolve("jdk-8");
    executable("jdk-8/bin/java", "#!/bin/sh\necho 'java version \"1.8.0_392\"' >&2\n");

    // when
    Run run =
        run(
            Map.of("JAVA_HOME", oldJava.toString(), "PATH", SYSTEM_PATH),
            home.resolve("bin/meshgate").toString(),
            "--version");

    // then
    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.err()).contains("Java 1.8.0_392").contains("Java 17 or newer is needed");
  }

  @Test
  void launcherWithoutAnyJavaSaysHowToGetOne() throws Exception {
    // given: no JAVA_HOME, and a PATH with the tools the launcher uses but no java
    Path bin = Files.createDirectories(dir.resolve("tools"));
    for (String tool : List.of("dirname", "readlink", "sed", "head")) {
      Path system =
          Stream.of("/usr/bin/", "/bin/")
              .map(directory -> Path.of(directory + tool))
              .filter(Files::isExecutable)
              .findFirst()
              .orElseThrow(() -> new AssertionError(tool + " is in neither /usr/bin nor /bin"));
      Files.createSymbolicLink(bin.resolve(tool), system);
    }

    // when
    Run run = run(Map.of("PATH", bin.toString()), home.resolve("bin/meshgate").toString(), "-V");

    // then
    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.err()).contains("no Java found: set JAVA_HOME or put java on the PATH");
  }
}
