package dev.atomkv.bench.core;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The coordinator's handle on one driver JVM: sends a command line, reads the answer line. */
final class Driver implements AutoCloseable {
  private final String name;
  private final Process process;
  private final Writer in;
  private final BufferedReader out;

  Driver(String name, List<String> command, Path log) throws IOException {
    this.name = name;
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()));
    this.process = pb.start();
    this.in = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
    this.out = new BufferedReader(
        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    Map<String, Object> hello = read();
    if (!Boolean.TRUE.equals(hello.get("ready"))) {
      throw new IOException(name + " driver did not start: " + hello);
    }
  }

  long pid() {
    return process.pid();
  }

  /** Sends one command and waits for its answer; fails on an answer carrying "error". */
  Map<String, Object> send(Map<String, Object> command) throws IOException {
    in.write(Json.write(command));
    in.write('\n');
    in.flush();
    Map<String, Object> answer = read();
    if (answer.containsKey("error")) {
      throw new IOException(name + " driver failed " + command + ": " + answer.get("error"));
    }
    return answer;
  }

  @SuppressWarnings("unchecked")
  private Map<String, Object> read() throws IOException {
    String line;
    while ((line = out.readLine()) != null) {
      if (line.startsWith(DriverLoop.PREFIX)) {
        return (Map<String, Object>) Json.parse(line.substring(DriverLoop.PREFIX.length()));
      }
      System.err.println("[" + name + "] " + line);
    }
    throw new IOException(name + " driver exited (see its log)");
  }

  @Override
  public void close() {
    try {
      in.write("{\"cmd\":\"quit\"}\n");
      in.flush();
    } catch (IOException e) {
      // already gone
    }
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }
}
