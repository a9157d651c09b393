package dev.atomkv.bench.core;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * Runs the whole benchmark: starts etcd and the atomkv bench server on loopback ports with data in
 * a temp directory, starts one driver JVM per system, preloads both (atomkv also with the custom
 * entities' million documents, unless --no-entities), then runs every scenario
 * {@code reps} times, interleaving the systems at each concurrency so that each ratio is taken
 * from neighbouring runs. Ends with a JFR profile of Atomic at 64 in flight, a kill -9 + restart of
 * the atomkv server and a check of every acknowledged write, and an strace count of fdatasync per
 * committed batch. Writes bench/results/TIMESTAMP.json, the generated part of
 * docs/benchmarks.md and its charts in docs/bench/.
 */
public final class Coordinator {
  private static final String OPENS =
      "--add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED";
  /** The same lean JVM for both drivers, so neither client gets an edge. */
  private static final List<String> DRIVER_JVM =
      List.of("-Xms256m", "-Xmx1g", "-XX:+UseParallelGC");
  private static final List<String> ENTITY_SCENARIOS =
      List.of("query", "list_docs", "entity_set", "plain_set");

  // settings
  private Path repo = Path.of(".").toAbsolutePath().normalize();
  private String atomkvCp;
  private String etcdCp;
  private String etcdBin = "etcd";
  private int reps = 3;
  private long warmupMs = 2000;
  private long measureMs = 5000;
  private long jitWarmupMs = 4000;
  private int[] concurrencies = {1, 8, 64, 256};
  private List<String> serverJvm = new ArrayList<>();
  private boolean strace = true;
  private boolean profile = true;
  private boolean writeDoc = true;
  /** The custom-entity cases (Query vs List, indexed vs plain set) and their 1M-document load. */
  private boolean entities = true;
  private boolean quick;

  // state
  private Path work;
  private Process etcd;
  private long etcdPid;
  private Process server;
  private int serverPort;
  private long serverPid;
  private Driver atomkv;
  private Driver etcdDriver;
  private final List<Result> results = new ArrayList<>();
  private final AtomicLong peakServerRssAnon = new AtomicLong();
  private final AtomicLong peakEtcdRssAnon = new AtomicLong();
  private volatile boolean sampling = true;
  private final List<Map<String, Object>> rssTimeline = new ArrayList<>();
  private final Map<String, Object> extra = new LinkedHashMap<>();
  private final long startedNs = System.nanoTime();

  public static void main(String[] args) throws Exception {
    Coordinator c = new Coordinator();
    c.parse(args);
    int code;
    try {
      code = c.runAll();
    } finally {
      c.stopEverything();
    }
    System.exit(code);
  }

  private void parse(String[] args) {
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      switch (a) {
        case "--repo" -> repo = Path.of(args[++i]).toAbsolutePath().normalize();
        case "--atomkv-cp" -> atomkvCp = args[++i];
        case "--etcd-cp" -> etcdCp = args[++i];
        case "--etcd-bin" -> etcdBin = args[++i];
        case "--reps" -> reps = Integer.parseInt(args[++i]);
        case "--warmup-ms" -> warmupMs = Long.parseLong(args[++i]);
        case "--measure-ms" -> measureMs = Long.parseLong(args[++i]);
        case "--concurrency" -> concurrencies =
            Arrays.stream(args[++i].split(",")).mapToInt(Integer::parseInt).toArray();
        case "--server-jvm-opts" -> serverJvm = splitOpts(args[++i]);
        case "--no-strace" -> strace = false;
        case "--no-profile" -> profile = false;
        case "--no-doc" -> writeDoc = false;
        case "--no-entities" -> entities = false;
        case "--quick" -> {
          reps = 1;
          warmupMs = 500;
          measureMs = 1000;
          jitWarmupMs = 1000;
          quick = true;
          writeDoc = false; // a smoke test: its figures must not replace the page's
        }
        default -> throw new IllegalArgumentException("unknown argument " + a);
      }
    }
    if (atomkvCp == null || etcdCp == null) {
      throw new IllegalArgumentException("--atomkv-cp and --etcd-cp are required");
    }
  }

  private static List<String> splitOpts(String s) {
    List<String> out = new ArrayList<>();
    for (String p : s.trim().split("\\s+")) {
      if (!p.isEmpty()) {
        out.add(p);
      }
    }
    return out;
  }

  // ---- the run ---------------------------------------------------------------------------------

  private int runAll() throws Exception {
    String stamp = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
        .format(Instant.now().atZone(ZoneOffset.UTC));
    work = Files.createTempDirectory("atomkv-bench-");
    log("work directory " + work + " (data, logs)");
    Map<String, Object> machine = Machine.describe(work);
    log("machine: " + machine);

    startEtcd();
    startServer(false);
    atomkv = new Driver("atomkv", javaCommand(DRIVER_JVM, atomkvCp,
        "dev.atomkv.bench.atomkv.AtomkvDriver", "--target", "127.0.0.1:" + serverPort),
        work.resolve("atomkv-driver.log"));
    etcdDriver = new Driver("etcd", javaCommand(DRIVER_JVM, etcdCp,
        "dev.atomkv.bench.etcd.EtcdDriver", "--endpoint", "http://127.0.0.1:" + etcdClientPort),
        work.resolve("etcd-driver.log"));
    Thread sampler = new Thread(this::sampleMemory, "rss-sampler");
    sampler.setDaemon(true);
    sampler.start();

    log("preloading atomkv: " + atomkv.send(Map.of("cmd", "preload")));
    log("preloading etcd:   " + etcdDriver.send(Map.of("cmd", "preload")));
    log("preloading a tenant: " + atomkv.send(Map.of("cmd", "tenant_setup")));
    Map<String, Object> entityLoad = null;
    if (entities) {
      entityLoad = atomkv.send(Map.of("cmd", "preload_entities"));
      log("preloading atomkv entities: " + entityLoad);
    }
    extra.put("after_preload_server", atomkv.send(Map.of("cmd", "stats")));

    // JIT warm-up of every code path on both sides, not recorded: on two shared cores C2 is still
    // compiling for tens of seconds after start, which a 2 s warm-up per run would not absorb.
    log("warming up (not recorded)");
    for (String[] p : new String[][] {{"atomkv", "atomic"}, {"atomkv", "noop"}, {"atomkv", "get"},
        {"atomkv", "list"}, {"etcd", "txn"}, {"etcd", "get"}, {"etcd", "list"}}) {
      runOne(p[0], p[1], 64, jitWarmupMs, 200);
    }
    for (String scenario : entities ? ENTITY_SCENARIOS : List.<String>of()) {
      runOne("atomkv", scenario, 64, jitWarmupMs, 200);
    }
    for (int rep = 1; rep <= reps; rep++) {
      runRep(rep);
    }
    extra.put("after_runs_server", atomkv.send(Map.of("cmd", "stats")));

    Map<String, Object> profileSummary = null;
    if (profile) {
      profileSummary = profileAtomic(64);
    }

    // Durability: kill -9 the server, restart it on the same data and port, read everything back.
    log("kill -9 the atomkv server, restart it on the same data, verify acknowledged writes");
    Map<String, Object> verification = new LinkedHashMap<>();
    server.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    startServer(true);
    verification.put("atomkv", atomkv.send(Map.of("cmd", "verify")));
    verification.put("etcd", etcdDriver.send(Map.of("cmd", "verify", "sample", 10_000)));
    log("verification: " + verification);
    sampling = false;

    atomkv.close();
    atomkv = null;
    etcdDriver.close();
    etcdDriver = null;
    stopServer();
    stopEtcd();

    Map<String, Object> straceSummary = null;
    if (strace) {
      straceSummary = straceFdatasync();
    }

    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("timestamp", stamp);
    doc.put("machine", machine);
    Map<String, Object> settings = new LinkedHashMap<>();
    settings.put("reps", reps);
    settings.put("warmup_ms", warmupMs);
    settings.put("measure_ms", measureMs);
    settings.put("concurrency", Arrays.stream(concurrencies).boxed().toList());
    settings.put("keys", Dataset.KEYS);
    settings.put("value_bytes", Dataset.VALUE_BYTES);
    settings.put("list_page", Dataset.LIST_GROUP_SIZE);
    settings.put("server_jvm_opts", String.join(" ", serverJvm));
    settings.put("driver_jvm_opts", String.join(" ", DRIVER_JVM));
    settings.put("etcd", etcdVersion());
    doc.put("settings", settings);
    if (entityLoad != null) {
      doc.put("entities", entityLoad);
    }
    Map<String, Object> memory = new LinkedHashMap<>();
    memory.put("server_peak_rss_anon_bytes", peakServerRssAnon.get());
    memory.put("etcd_peak_rss_anon_bytes", peakEtcdRssAnon.get());
    memory.putAll(extra);
    memory.put("timeline", rssTimeline);
    doc.put("memory", memory);
    doc.put("verification", verification);
    Summary summary = new Summary(results, reps);
    doc.put("summary", summary.medians());
    doc.put("ratios", summary.ratios());
    doc.put("targets", summary.targets(peakServerRssAnon.get(), verification));
    if (profileSummary != null) {
      doc.put("profile", profileSummary);
    }
    if (straceSummary != null) {
      doc.put("strace", straceSummary);
    }
    doc.put("runs", results.stream().map(Result::fields).toList());
    doc.put("elapsed_s", (System.nanoTime() - startedNs) / 1e9);

    Path resultsDir = repo.resolve("bench/results");
    Files.createDirectories(resultsDir);
    Path out = resultsDir.resolve(stamp + (quick ? "-quick" : "") + ".json");
    Files.writeString(out, Json.pretty(doc), StandardCharsets.UTF_8);
    log("wrote " + repo.relativize(out));
    if (writeDoc) {
      Path md = repo.resolve("docs/benchmarks.md");
      Report.update(md, doc, repo.relativize(out).toString());
      log("updated " + repo.relativize(md) + " and its charts in "
          + repo.relativize(md.resolveSibling(Report.CHART_DIR)));
    }
    System.out.println(Report.table(doc));
    System.out.println(Report.targets(doc));
    deleteTree(work);
    return 0;
  }

  /** One repetition: each concurrency level, systems interleaved, order rotated per rep. */
  private void runRep(int rep) throws IOException {
    for (int c : concurrencies) {
      List<String[]> plan = new ArrayList<>();
      // At 64, the same calls as a tenant run right after the default tenant's, so that each
      // tenant ratio compares neighbours (the disk's state after etcd's writes moves Atomic a lot).
      plan.add(new String[] {"atomkv", "noop"});
      plan.add(new String[] {"atomkv", "atomic"});
      if (c == 64) {
        plan.add(new String[] {"atomkv", "atomic_tenant"});
      }
      plan.add(new String[] {"etcd", "txn"});
      if (c == 1 || c == 64) {
        plan.add(new String[] {"atomkv", "get"});
        if (c == 64) {
          plan.add(new String[] {"atomkv", "get_tenant"});
        }
        plan.add(new String[] {"etcd", "get"});
      }
      if (c == 64) {
        plan.add(new String[] {"atomkv", "list"});
        plan.add(new String[] {"etcd", "list"});
      }
      if (entities) {
        // Each entity case beside the plain-key case it is divided by.
        plan.add(new String[] {"atomkv", "query"});
        plan.add(new String[] {"atomkv", "list_docs"});
        if (c == 64) {
          plan.add(new String[] {"atomkv", "entity_set"});
          plan.add(new String[] {"atomkv", "plain_set"});
        }
      }
      if (c == 1 || c == 64) {
        // LMDB alone: 1 put per synced txn at c=1, a full batch's 64 check+puts at c=64.
        plan.add(new String[] {"lmdb", "put_synced"});
      }
      // Rotate so no scenario always runs first (JIT, page cache and disk state drift).
      java.util.Collections.rotate(plan, rep - 1);
      for (String[] p : plan) {
        Result r = runOne(p[0], p[1], c, warmupMs, measureMs);
        r.put("rep", rep);
        results.add(r);
        log(String.format(Locale.ROOT, "[rep %d/%d] %-6s %-10s c=%-3d %9.0f ok/s  p50 %7.2f ms"
                + "  p99 %7.2f ms  p99.9 %7.2f ms  not-ok %.2f%%  errors %d%s",
            rep, reps, p[0], p[1], c, r.num("ops_per_s"), r.num("p50_us") / 1000,
            r.num("p99_us") / 1000, r.num("p999_us") / 1000, 100 * r.num("not_ok_rate"),
            (long) r.num("errors"),
            Double.isNaN(r.num("mean_batch")) ? ""
                : String.format(Locale.ROOT, "  batch %.1f", r.num("mean_batch"))));
      }
    }
  }

  private Result runOne(String system, String scenario, int c, long warm, long measure)
      throws IOException {
    Map<String, Object> pids = new LinkedHashMap<>();
    pids.put("server", serverPid);
    pids.put("etcd", etcdPid);
    Map<String, Object> cmd = new LinkedHashMap<>();
    cmd.put("cmd", "run");
    cmd.put("scenario", scenario);
    cmd.put("concurrency", c);
    cmd.put("warmup_ms", warm);
    cmd.put("measure_ms", measure);
    cmd.put("pids", pids);
    Map<String, Object> answer;
    if (system.equals("lmdb")) {
      cmd.put("cmd", "lmdb");
      cmd.put("dir", work.resolve("lmdb-microbench").toString());
      cmd.put("warmup_ms", Math.min(warm, 1000));
      answer = atomkv.send(cmd);
    } else {
      answer = (system.equals("etcd") ? etcdDriver : atomkv).send(cmd);
    }
    Result r = new Result(system, scenario, c);
    r.fields().putAll(answer);
    return r;
  }

  // ---- processes -------------------------------------------------------------------------------

  private int etcdClientPort;

  private void startEtcd() throws IOException, InterruptedException {
    etcdClientPort = freePort();
    int peer = freePort();
    Path dir = work.resolve("etcd");
    String client = "http://127.0.0.1:" + etcdClientPort;
    String peerUrl = "http://127.0.0.1:" + peer;
    // Default flags apart from where it listens and keeps its data.
    ProcessBuilder pb = new ProcessBuilder(etcdBin, "--name", "atomkv-bench",
        "--data-dir", dir.toString(),
        "--listen-client-urls", client, "--advertise-client-urls", client,
        "--listen-peer-urls", peerUrl, "--initial-advertise-peer-urls", peerUrl,
        "--initial-cluster", "atomkv-bench=" + peerUrl);
    pb.redirectErrorStream(true);
    pb.redirectOutput(ProcessBuilder.Redirect.appendTo(work.resolve("etcd.log").toFile()));
    etcd = pb.start();
    etcdPid = etcd.pid();
    log("etcd pid " + etcdPid + " on " + client);
  }

  private void stopEtcd() throws InterruptedException {
    if (etcd != null) {
      etcd.destroy();
      if (!etcd.waitFor(20, TimeUnit.SECONDS)) {
        etcd.destroyForcibly();
      }
      etcd = null;
    }
  }

  private List<String> serverArgs() {
    return List.of("--bind", "127.0.0.1", "--port", Integer.toString(serverPort),
        "--data-dir", work.resolve("atomkv-data").toString());
  }

  /** Starts the bench server (port 0 the first time, the same port on a restart). */
  private void startServer(boolean restart) throws IOException, InterruptedException {
    if (!restart) {
      serverPort = freePort();
    }
    server = startBenchServer(serverJvm, serverArgs(), work.resolve("server.log"),
        work.resolve("server.out"));
    serverPid = server.pid();
    log("atomkv bench server pid " + serverPid + " on 127.0.0.1:" + serverPort);
  }

  private Process startBenchServer(List<String> jvm, List<String> args, Path log, Path out)
      throws IOException, InterruptedException {
    Files.deleteIfExists(out);
    return launchServer(javaCommand(jvm, atomkvCp, "dev.atomkv.bench.atomkv.BenchServer",
        args.toArray(new String[0])), log, out);
  }

  private Process launchServer(List<String> cmd, Path log, Path out)
      throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()));
    pb.redirectOutput(out.toFile());
    Process p = pb.start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      if (Files.exists(out) && Files.readString(out).contains("\"port\"")) {
        return p;
      }
      if (!p.isAlive()) {
        throw new IOException("bench server exited; see " + log);
      }
      Thread.sleep(50);
    }
    throw new IOException("bench server did not start in 60 s; see " + log);
  }

  private void stopServer() throws InterruptedException {
    if (server != null) {
      server.destroy();
      if (!server.waitFor(30, TimeUnit.SECONDS)) {
        server.destroyForcibly();
      }
      server = null;
    }
  }

  private void stopEverything() {
    sampling = false;
    try {
      if (atomkv != null) {
        atomkv.close();
      }
      if (etcdDriver != null) {
        etcdDriver.close();
      }
      stopServer();
      stopEtcd();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static List<String> javaCommand(List<String> jvm, String cp, String main,
      String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(jvm);
    cmd.addAll(splitOpts(OPENS));
    cmd.add("-cp");
    cmd.add(cp);
    cmd.add(main);
    cmd.addAll(List.of(args));
    return cmd;
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  /** Anonymous RSS of the servers, every 100 ms, through the whole run. */
  private void sampleMemory() {
    long n = 0;
    while (sampling) {
      long s = Proc.statusBytes(serverPid, "RssAnon");
      long e = Proc.statusBytes(etcdPid, "RssAnon");
      peakServerRssAnon.accumulateAndGet(s, Math::max);
      peakEtcdRssAnon.accumulateAndGet(e, Math::max);
      if (n++ % 50 == 0) {
        Map<String, Object> point = new LinkedHashMap<>();
        point.put("t_s", Math.round((System.nanoTime() - startedNs) / 1e9));
        point.put("server_rss_anon", s);
        point.put("etcd_rss_anon", e);
        synchronized (rssTimeline) {
          rssTimeline.add(point);
        }
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException ex) {
        return;
      }
    }
  }

  private String etcdVersion() {
    try {
      Process p = new ProcessBuilder(etcdBin, "--version").redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      p.waitFor(10, TimeUnit.SECONDS);
      return out.lines().findFirst().orElse("?").trim();
    } catch (IOException | InterruptedException e) {
      return "?";
    }
  }

  // ---- profile ---------------------------------------------------------------------------------

  /**
   * A profile of one extra Atomic run at {@code c} in flight (not counted in the figures): with
   * Linux perf (system-wide CPU samples over the timed window, JIT symbols from each JVM's
   * Compiler.perfmap) when it is installed, else a JFR recording of the server and the driver.
   */
  private Map<String, Object> profileAtomic(int c) throws Exception {
    if (commandExists("perf")) {
      return perfAtomic(c);
    }
    log("profiling Atomic at " + c + " in flight with JFR (perf not installed)");
    Path serverJfr = work.resolve("server.jfr");
    Path driverJfr = work.resolve("driver.jfr");
    jcmd(serverPid, "JFR.start", "name=bench", "settings=profile");
    jcmd(atomkv.pid(), "JFR.start", "name=bench", "settings=profile");
    Result r = runOne("atomkv", "atomic", c, 1000, measureMs);
    jcmd(serverPid, "JFR.stop", "name=bench", "filename=" + serverJfr);
    jcmd(atomkv.pid(), "JFR.stop", "name=bench", "filename=" + driverJfr);
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("tool", "jfr");
    out.put("run", r.fields());
    out.put("server", Profile.summarise(serverJfr));
    out.put("driver", Profile.summarise(driverJfr));
    return out;
  }

  private Map<String, Object> perfAtomic(int c) throws Exception {
    log("profiling Atomic at " + c + " in flight with perf (system-wide, timed window only)");
    Path data = work.resolve("perf.data");
    long warm = 1000;
    Process[] perf = new Process[1];
    Thread starter = new Thread(() -> {
      try {
        Thread.sleep(warm);
        perf[0] = new ProcessBuilder("perf", "record", "-a", "-F", "999", "-o", data.toString(),
            "--", "sleep", String.format(Locale.ROOT, "%.1f", measureMs / 1000.0))
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(work.resolve("perf.log").toFile()))
            .start();
      } catch (IOException | InterruptedException e) {
        log("perf record failed to start: " + e);
      }
    });
    starter.start();
    Result r = runOne("atomkv", "atomic", c, warm, measureMs);
    starter.join();
    if (perf[0] == null || !perf[0].waitFor(60, TimeUnit.SECONDS) || !Files.exists(data)) {
      return Map.of("skipped", "perf record failed; see perf.log");
    }
    jcmd(serverPid, "Compiler.perfmap");
    jcmd(atomkv.pid(), "Compiler.perfmap");
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("tool", "perf");
    out.put("run", r.fields());
    out.put("machine_by_process", perfReport(data, null, "comm", 12));
    for (String[] who : new String[][] {{"server", Long.toString(serverPid)},
        {"driver", Long.toString(atomkv.pid())}}) {
      Map<String, Object> side = new LinkedHashMap<>();
      side.put("by_thread_and_object", perfReport(data, who[1], "comm,dso", 14));
      side.put("by_object", perfReport(data, who[1], "dso", 8));
      side.put("top_symbols", perfReport(data, who[1], "dso,sym", 25));
      out.put(who[0], side);
    }
    return out;
  }

  /** Lines of {@code perf report} (percent, then the sort keys), the first {@code n}. */
  private static List<String> perfReport(Path data, String pid, String sort, int n)
      throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of("perf", "report", "-i", data.toString(),
        "--stdio", "-q", "--no-children", "--sort", sort, "--percent-limit", "0.3"));
    if (pid != null) {
      cmd.addAll(List.of("--pid", pid, "--percentage", "relative"));
    }
    Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor(120, TimeUnit.SECONDS);
    List<String> lines = new ArrayList<>();
    for (String line : text.split("\n")) {
      String t = line.strip();
      if (!t.isEmpty() && !t.startsWith("#") && Character.isDigit(t.charAt(0))) {
        lines.add(t.replaceAll("\\s{2,}", "  "));
        if (lines.size() >= n) {
          break;
        }
      }
    }
    return lines;
  }

  private static void jcmd(long pid, String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString());
    cmd.add(Long.toString(pid));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IOException("jcmd " + String.join(" ", args) + " failed: " + out);
    }
  }

  // ---- strace ----------------------------------------------------------------------------------

  /**
   * Counts fdatasync (and the other sync-ish calls) of a fresh bench server in full sync mode
   * under {@code strace -f -c}, through a preload and Atomic runs at 64 and 1 in flight, and
   * divides by the batches it committed (answers at batch position 0; plus the one commit the
   * engine makes when it opens the store).
   */
  private Map<String, Object> straceFdatasync() throws Exception {
    if (!commandExists("strace")) {
      log("strace not installed; skipping the fdatasync count");
      return Map.of("skipped", "strace not installed");
    }
    log("strace: counting fdatasync per committed batch (full sync mode)");
    serverPort = freePort();
    Path summary = work.resolve("strace.txt");
    List<String> cmd = new ArrayList<>(List.of("strace", "-f", "--seccomp-bpf", "-c",
        "-o", summary.toString(),
        "-e", "trace=fdatasync,fsync,msync,pwrite64,pwritev,sync_file_range"));
    cmd.addAll(javaCommand(serverJvm, atomkvCp, "dev.atomkv.bench.atomkv.BenchServer",
        "--bind", "127.0.0.1", "--port", Integer.toString(serverPort),
        "--data-dir", work.resolve("strace-data").toString(), "--sync", "full"));
    Process traced = launchServer(cmd, work.resolve("strace-server.log"),
        work.resolve("strace-server.out"));
    long javaPid = readPid(work.resolve("strace-server.out"));
    Map<String, Object> out = new LinkedHashMap<>();
    try (Driver d = new Driver("atomkv-strace", javaCommand(DRIVER_JVM, atomkvCp,
        "dev.atomkv.bench.atomkv.AtomkvDriver", "--target", "127.0.0.1:" + serverPort),
        work.resolve("strace-driver.log"))) {
      d.send(Map.of("cmd", "preload", "list_data", false));
      List<Map<String, Object>> runs = new ArrayList<>();
      for (int c : new int[] {64, 1}) {
        Map<String, Object> cmdRun = new LinkedHashMap<>();
        cmdRun.put("cmd", "run");
        cmdRun.put("scenario", "atomic");
        cmdRun.put("concurrency", c);
        cmdRun.put("warmup_ms", 500);
        cmdRun.put("measure_ms", 2500);
        Map<String, Object> r = d.send(cmdRun);
        Map<String, Object> brief = new LinkedHashMap<>();
        for (String k : List.of("concurrency", "ops_per_s", "mean_batch", "batches_per_s",
            "p50_us", "errors")) {
          brief.put(k, r.get(k));
        }
        runs.add(brief);
      }
      Map<String, Object> totals = d.send(Map.of("cmd", "totals"));
      out.put("runs_under_strace", runs);
      out.put("acknowledged_commits", totals.get("ok"));
      out.put("client_batches", totals.get("batches"));
    }
    // SIGTERM the JVM (not strace) so it shuts down cleanly and strace prints its summary.
    ProcessHandle.of(javaPid).ifPresent(ProcessHandle::destroy);
    if (!traced.waitFor(60, TimeUnit.SECONDS)) {
      traced.destroyForcibly();
    }
    String text = Files.readString(summary);
    Map<String, Long> calls = parseStrace(text);
    long batches = ((Number) out.get("client_batches")).longValue() + 1; // + the open-time commit
    out.put("engine_commits", batches);
    out.put("calls", calls);
    long fdatasync = calls.getOrDefault("fdatasync", 0L);
    out.put("fdatasync_per_batch", fdatasync / (double) batches);
    out.put("pwrite64_per_batch", calls.getOrDefault("pwrite64", 0L) / (double) batches);
    out.put("fdatasync_per_acknowledged_commit",
        fdatasync / ((Number) out.get("acknowledged_commits")).doubleValue());
    out.put("strace_output", text.strip());
    log("strace: " + calls + " over " + batches + " commits");
    return out;
  }

  private static long readPid(Path out) throws IOException {
    String s = Files.readString(out);
    int at = s.indexOf("\"pid\":");
    return Long.parseLong(s.substring(at + 6).replaceAll("[^0-9].*$", "").trim());
  }

  static Map<String, Long> parseStrace(String text) {
    Map<String, Long> calls = new LinkedHashMap<>();
    for (String line : text.split("\n")) {
      String[] f = line.trim().split("\\s+");
      // % time, seconds, usecs/call, calls, [errors], syscall
      if (f.length >= 5 && f[0].matches("[0-9.]+") && !f[f.length - 1].equals("total")) {
        try {
          calls.put(f[f.length - 1], Long.parseLong(f[3]));
        } catch (NumberFormatException e) {
          // header or separator
        }
      }
    }
    return calls;
  }

  private static boolean commandExists(String name) {
    String path = System.getenv("PATH");
    if (path == null) {
      return false;
    }
    return Stream.of(path.split(":")).anyMatch(d -> Files.isExecutable(Path.of(d, name)));
  }

  private static void deleteTree(Path dir) {
    try (Stream<Path> s = Files.walk(dir)) {
      s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> {
        try {
          Files.deleteIfExists(p);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
    } catch (IOException | UncheckedIOException e) {
      System.err.println("could not delete " + dir + ": " + e);
    }
  }

  private void log(String msg) {
    System.out.printf(Locale.ROOT, "[bench %5.0fs] %s%n", (System.nanoTime() - startedNs) / 1e9,
        msg);
    System.out.flush();
  }
}
