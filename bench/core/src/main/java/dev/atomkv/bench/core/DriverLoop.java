package dev.atomkv.bench.core;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The drivers' side of the line protocol with the coordinator: one JSON command per stdin line,
 * one JSON answer per stdout line prefixed with {@value #PREFIX}. Everything else a library prints
 * goes to stderr (System.out is redirected there), so stray output never corrupts the protocol.
 */
public final class DriverLoop {
  public static final String PREFIX = "@@ ";

  /** Answers one command. */
  @FunctionalInterface
  public interface Handler {
    Map<String, Object> handle(Map<String, Object> command) throws Exception;
  }

  private DriverLoop() {}

  @SuppressWarnings("unchecked")
  public static void serve(Handler handler) throws Exception {
    PrintStream protocol = new PrintStream(
        new java.io.FileOutputStream(java.io.FileDescriptor.out), true, StandardCharsets.UTF_8);
    System.setOut(System.err);
    answer(protocol, Map.of("ready", true));
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    String line;
    while ((line = in.readLine()) != null) {
      if (line.isBlank()) {
        continue;
      }
      Map<String, Object> cmd = (Map<String, Object>) Json.parse(line);
      if ("quit".equals(cmd.get("cmd"))) {
        answer(protocol, Map.of("bye", true));
        return;
      }
      Map<String, Object> out;
      try {
        out = handler.handle(cmd);
      } catch (Exception | Error e) {
        StringWriter sw = new StringWriter();
        e.printStackTrace(new PrintWriter(sw));
        System.err.println(sw);
        out = new LinkedHashMap<>();
        out.put("error", String.valueOf(e));
      }
      answer(protocol, out);
    }
  }

  private static void answer(PrintStream protocol, Map<String, Object> out) {
    protocol.println(PREFIX + Json.write(out));
    protocol.flush();
  }

  public static int intArg(Map<String, Object> cmd, String key, int dflt) {
    Object v = cmd.get(key);
    return v instanceof Number n ? n.intValue() : dflt;
  }

  public static long longArg(Map<String, Object> cmd, String key, long dflt) {
    Object v = cmd.get(key);
    return v instanceof Number n ? n.longValue() : dflt;
  }
}
