package dev.atomkv.bench.core;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordedThread;
import jdk.jfr.consumer.RecordingFile;

/**
 * Summarises a JFR recording the way one reads a profile: where the CPU samples fall (by thread
 * group, by the code at the top of the stack, by hottest method) and where threads sat in native
 * code (the writer in fdatasync, event loops in epoll), plus GC time and allocation rate.
 */
final class Profile {
  private Profile() {}

  static Map<String, Object> summarise(Path jfr) throws IOException {
    Map<String, Long> byThread = new HashMap<>();
    Map<String, Long> byLayer = new HashMap<>();
    Map<String, Long> byMethod = new HashMap<>();
    Map<String, Long> nativeByFrame = new HashMap<>();
    long samples = 0;
    long nativeSamples = 0;
    long gcNanos = 0;
    long gcs = 0;
    double allocated = 0;
    java.time.Instant first = null;
    java.time.Instant last = null;
    for (RecordedEvent e : RecordingFile.readAllEvents(jfr)) {
      String type = e.getEventType().getName();
      if (first == null || e.getStartTime().isBefore(first)) {
        first = e.getStartTime();
      }
      if (last == null || e.getEndTime().isAfter(last)) {
        last = e.getEndTime();
      }
      switch (type) {
        case "jdk.ExecutionSample" -> {
          samples++;
          byThread.merge(group(e.getThread("sampledThread")), 1L, Long::sum);
          RecordedFrame top = topFrame(e.getStackTrace());
          String method = top == null ? "?" : frameName(top);
          byMethod.merge(method, 1L, Long::sum);
          byLayer.merge(layer(e.getStackTrace()), 1L, Long::sum);
        }
        case "jdk.NativeMethodSample" -> {
          nativeSamples++;
          RecordedFrame top = topFrame(e.getStackTrace());
          nativeByFrame.merge(group(e.getThread("sampledThread")) + " in "
              + (top == null ? "?" : frameName(top)), 1L, Long::sum);
        }
        case "jdk.GarbageCollection" -> {
          gcs++;
          gcNanos += e.getDuration().toNanos();
        }
        case "jdk.ObjectAllocationSample" -> allocated += e.getLong("weight");
        default -> { }
      }
    }
    double secs = first == null ? 0 : Duration.between(first, last).toMillis() / 1000.0;
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("cpu_samples", samples);
    out.put("cpu_by_thread", top(byThread, samples, 8));
    out.put("cpu_by_layer", top(byLayer, samples, 10));
    out.put("cpu_top_methods", top(byMethod, samples, 15));
    out.put("native_samples", nativeSamples);
    out.put("native_top", top(nativeByFrame, nativeSamples, 8));
    out.put("gc_count", gcs);
    out.put("gc_ms", gcNanos / 1_000_000);
    out.put("recording_s", secs);
    out.put("allocation_mb_per_s", secs > 0 ? allocated / secs / 1e6 : 0);
    return out;
  }

  private static RecordedFrame topFrame(RecordedStackTrace st) {
    if (st == null || st.getFrames().isEmpty()) {
      return null;
    }
    return st.getFrames().get(0);
  }

  private static String frameName(RecordedFrame f) {
    if (f.getMethod() == null) {
      return "?";
    }
    String cls = f.getMethod().getType().getName();
    return cls.substring(cls.lastIndexOf('.') + 1) + "." + f.getMethod().getName();
  }

  /** Thread names without their numbers: atomkv-grpc-1 and atomkv-grpc-2 are one group. */
  private static String group(RecordedThread t) {
    if (t == null) {
      return "?";
    }
    String n = t.getJavaName() != null ? t.getJavaName() : t.getOSName();
    return n == null ? "?" : n.replaceAll("[-#]?\\d+", "-N").replaceAll("(-N)+", "-N");
  }

  /**
   * The layer the sampled CPU belongs to: the first frame from the top that is in a package we
   * name (so a HashMap call made by protobuf counts as protobuf).
   */
  private static String layer(RecordedStackTrace st) {
    if (st == null) {
      return "?";
    }
    for (RecordedFrame f : st.getFrames()) {
      if (f.getMethod() == null) {
        continue;
      }
      String c = f.getMethod().getType().getName();
      if (c.startsWith("org.lmdbjava") || c.startsWith("jnr.") || c.startsWith("com.kenai")) {
        return "LMDB (lmdbjava/JNR)";
      }
      if (c.startsWith("dev.atomkv.server.lmdb")) {
        return "atomkv engine (lmdb package)";
      }
      if (c.startsWith("dev.atomkv.server")) {
        return "atomkv server (api/model)";
      }
      if (c.startsWith("dev.atomkv.bench")) {
        return "bench code";
      }
      if (c.startsWith("com.google.protobuf")) {
        return "protobuf";
      }
      if (c.contains(".netty.")) {
        return "netty (incl. socket I/O)";
      }
      if (c.startsWith("io.grpc")) {
        return "grpc-java";
      }
      if (c.startsWith("sun.nio") || c.startsWith("java.nio")) {
        return "JDK NIO";
      }
      if (c.startsWith("java.util.concurrent")) {
        return "java.util.concurrent (queues, futures, locks)";
      }
    }
    return "JDK/other";
  }

  private static List<Map<String, Object>> top(Map<String, Long> counts, long total, int n) {
    List<Map.Entry<String, Long>> es = new ArrayList<>(counts.entrySet());
    es.sort(Map.Entry.<String, Long>comparingByValue().reversed());
    List<Map<String, Object>> out = new ArrayList<>();
    for (Map.Entry<String, Long> e : es.subList(0, Math.min(n, es.size()))) {
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("name", e.getKey());
      row.put("samples", e.getValue());
      row.put("share", total == 0 ? 0.0 : e.getValue() / (double) total);
      out.add(row);
    }
    return out;
  }
}
