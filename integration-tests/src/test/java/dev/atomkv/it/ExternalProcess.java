package dev.atomkv.it;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Programs in other languages run from the repository root by the tests (Node, Python, Deno), with
 * their output captured; a program that cannot be started is reported as such, never skipped.
 */
final class ExternalProcess {
  private ExternalProcess() {}

  /** What a program did: its exit code (-1 when it timed out) and its output, stdout and stderr. */
  record Result(int exitCode, boolean timedOut, String output) {}

  /** The repository root: failsafe runs with cwd = integration-tests/. */
  static Path repoRoot() {
    String marker = "proto/src/main/proto/atomkv/v1/kv.proto";
    Path dir = Path.of("").toAbsolutePath();
    while (dir != null && !Files.isRegularFile(dir.resolve(marker))) {
      dir = dir.getParent();
    }
    if (dir == null) {
      fail("cannot find the repository root (" + marker + ") above "
          + Path.of("").toAbsolutePath());
    }
    return dir;
  }

  /**
   * Runs {@code command} in the repository root with {@code env} added to the environment.
   *
   * @return null when the program cannot be started (not installed)
   */
  static Result run(List<String> command, Map<String, String> env, long timeoutSeconds)
      throws IOException, InterruptedException {
    Path log = Files.createTempFile("atomkv-it", ".log");
    try {
      Process process;
      try {
        ProcessBuilder builder = new ProcessBuilder(new ArrayList<>(command))
            .directory(repoRoot().toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
        builder.environment().putAll(env);
        process = builder.start();
      } catch (IOException notInstalled) {
        return null;
      }
      boolean finished = process.waitFor(timeoutSeconds, TimeUnit.SECONDS);
      if (!finished) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
      String output = new String(Files.readAllBytes(log), StandardCharsets.UTF_8);
      return new Result(finished ? process.exitValue() : -1, !finished, output);
    } finally {
      Files.deleteIfExists(log);
    }
  }

  /** Runs the command and fails the test unless it exits 0; returns its output. */
  static String expectSuccess(String what, List<String> command, Map<String, String> env,
      long timeoutSeconds) throws IOException, InterruptedException {
    Result result = run(command, env, timeoutSeconds);
    if (result == null) {
      fail(what + ": cannot start " + command.get(0));
    }
    if (result.timedOut()) {
      fail(what + " timed out after " + timeoutSeconds + " s: " + String.join(" ", command)
          + "\n" + result.output());
    }
    if (result.exitCode() != 0) {
      fail(what + " failed (exit " + result.exitCode() + "): " + String.join(" ", command) + "\n"
          + result.output());
    }
    return result.output();
  }
}
