package com.cohortwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.cohortwatch.testing.SharedSpark;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * bin/cohortwatch checks the Java version before it builds or starts anything: a wrong JDK gets one
 * line that says what to do, not a compiler or Spark stack trace minutes later.
 */
class LauncherCheckTest {
  private record Result(int code, String stderr) {}

  private static Result launch(Path javaHome) throws IOException, InterruptedException {
    ProcessBuilder pb =
        new ProcessBuilder(
                SharedSpark.repoRoot().resolve("bin/cohortwatch").toString(), "--version")
            .redirectOutput(ProcessBuilder.Redirect.DISCARD);
    pb.environment().put("JAVA_HOME", javaHome.toString());
    Process p = pb.start();
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return new Result(p.exitValue(), err);
  }

  private static Path fakeJdk(Path dir, String versionLine) throws IOException {
    Path bin = Files.createDirectories(dir.resolve("bin"));
    Path java = bin.resolve("java");
    Files.writeString(java, "#!/bin/sh\necho '" + versionLine + "' >&2\n");
    Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
    return dir;
  }

  @Test
  void anOtherJavaIsOneLineAndExit1(@TempDir Path dir) throws Exception {
    Result r = launch(fakeJdk(dir, "openjdk version \"11.0.22\" 2024-01-16"));
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.stderr().strip())
        .doesNotContain("\n")
        .contains("needs Java 17, found 11.0.22")
        .contains("JAVA_HOME");
  }

  @Test
  void java8sOldVersionFormatIsRecognisedToo(@TempDir Path dir) throws Exception {
    Result r = launch(fakeJdk(dir, "java version \"1.8.0_392\""));
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.stderr()).contains("needs Java 17, found 1.8.0_392");
  }

  @Test
  void noJavaAtAllIsOneLineAndExit1(@TempDir Path dir) throws Exception {
    Result r = launch(dir.resolve("no-such-jdk"));
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.stderr().strip()).doesNotContain("\n").contains("no java found");
  }
}
