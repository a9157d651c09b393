package dev.atomkv.bench.core;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Medians over the repetitions, ratios taken within each repetition (neighbouring runs) and then
 * medianed, and the targets judged against them.
 */
final class Summary {
  private static final String[] MEDIAN_FIELDS = {"ops_per_s", "p50_us", "p99_us", "p999_us",
      "max_us", "not_ok_rate", "error_rate", "mean_batch", "batches_per_s", "cpu_cores_server",
      "cpu_cores_driver", "cpu_cores_etcd", "machine_busy"};

  private final List<Result> results;
  private final int reps;

  Summary(List<Result> results, int reps) {
    this.results = results;
    this.reps = reps;
  }

  static String key(String system, String scenario, int c) {
    return system + "/" + scenario + "/" + c;
  }

  private static String key(Result r) {
    return key(r.str("system"), r.str("scenario"), (int) r.num("concurrency"));
  }

  /** One row per system/scenario/concurrency, each figure the median of its repetitions. */
  List<Map<String, Object>> medians() {
    Map<String, List<Result>> by = new LinkedHashMap<>();
    for (Result r : results) {
      by.computeIfAbsent(key(r), k -> new ArrayList<>()).add(r);
    }
    List<Map<String, Object>> rows = new ArrayList<>();
    for (Map.Entry<String, List<Result>> e : by.entrySet()) {
      List<Result> rs = e.getValue();
      Map<String, Object> row = new LinkedHashMap<>();
      Result first = rs.get(0);
      row.put("key", e.getKey());
      row.put("system", first.str("system"));
      row.put("scenario", first.str("scenario"));
      row.put("concurrency", (long) first.num("concurrency"));
      row.put("runs", rs.size());
      for (String f : MEDIAN_FIELDS) {
        double m = median(rs.stream().mapToDouble(r -> r.num(f)).toArray());
        if (!Double.isNaN(m)) {
          row.put(f, m);
        }
      }
      row.put("errors_total", rs.stream().mapToLong(r -> (long) r.num("errors")).sum());
      row.put("not_ok_total", rs.stream().mapToLong(r -> (long) r.num("not_ok")).sum());
      double peak = rs.stream().mapToDouble(r -> r.num("server_peak_rss_anon"))
          .filter(d -> !Double.isNaN(d)).max().orElse(Double.NaN);
      if (!Double.isNaN(peak)) {
        row.put("server_peak_rss_anon", (long) peak);
      }
      double heap = rs.stream().mapToDouble(r -> r.num("server_peak_heap_used"))
          .filter(d -> !Double.isNaN(d)).max().orElse(Double.NaN);
      if (!Double.isNaN(heap)) {
        row.put("server_peak_heap_used", (long) heap);
      }
      Map<String, Object> threads = medianThreads(rs);
      if (!threads.isEmpty()) {
        row.put("server_threads", threads);
      }
      row.put("ops_per_s_each_run", rs.stream().map(r -> r.num("ops_per_s")).toList());
      rows.add(row);
    }
    return rows;
  }

  /** Per server thread group, the median over the runs of its cores used and runnable-waiting. */
  @SuppressWarnings("unchecked")
  private static Map<String, Object> medianThreads(List<Result> rs) {
    Map<String, List<double[]>> by = new TreeMap<>();
    for (Result r : rs) {
      if (r.get("server_threads") instanceof Map<?, ?> m) {
        ((Map<String, Object>) m).forEach((name, v) -> {
          Map<String, Object> g = (Map<String, Object>) v;
          by.computeIfAbsent(name, k -> new ArrayList<>()).add(new double[] {
              ((Number) g.get("cpu")).doubleValue(), ((Number) g.get("runq_wait")).doubleValue()});
        });
      }
    }
    Map<String, Object> out = new LinkedHashMap<>();
    by.forEach((name, vals) -> {
      double[] cpu = new double[rs.size()];
      double[] wait = new double[rs.size()];
      for (int i = 0; i < vals.size(); i++) {
        cpu[i] = vals.get(i)[0];
        wait[i] = vals.get(i)[1];
      }
      Map<String, Object> g = new LinkedHashMap<>();
      g.put("cpu", median(cpu));
      g.put("runq_wait", median(wait));
      out.put(name, g);
    });
    return out;
  }

  /** A figure of one run (a repetition), NaN when missing. */
  private double get(int rep, String system, String scenario, int c, String field) {
    for (Result r : results) {
      if ((long) r.num("rep") == rep && key(r).equals(key(system, scenario, c))) {
        return r.num(field);
      }
    }
    return Double.NaN;
  }

  private Map<String, Object> ratio(String what, RatioFn fn) {
    double[] each = new double[reps];
    for (int rep = 1; rep <= reps; rep++) {
      each[rep - 1] = fn.of(rep);
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("what", what);
    m.put("median", median(each));
    m.put("each_run", Arrays.stream(each).boxed().toList());
    return m;
  }

  private interface RatioFn {
    double of(int rep);
  }

  Map<String, Object> ratios() {
    Map<String, Object> out = new LinkedHashMap<>();
    for (int c : new int[] {1, 8, 64, 256}) {
      out.put("atomic_vs_etcd_txn_c" + c, ratio("atomkv Atomic ok/s ÷ etcd Txn ok/s at " + c,
          rep -> get(rep, "atomkv", "atomic", c, "ops_per_s")
              / get(rep, "etcd", "txn", c, "ops_per_s")));
    }
    for (int c : new int[] {1, 8, 64, 256}) {
      out.put("atomic_vs_noop_c" + c, ratio("atomkv Atomic ok/s ÷ no-op ok/s at " + c,
          rep -> get(rep, "atomkv", "atomic", c, "ops_per_s")
              / get(rep, "atomkv", "noop", c, "ops_per_s")));
    }
    for (int c : new int[] {1, 64}) {
      out.put("get_vs_noop_c" + c, ratio("atomkv Get ÷ no-op at " + c,
          rep -> get(rep, "atomkv", "get", c, "ops_per_s")
              / get(rep, "atomkv", "noop", c, "ops_per_s")));
      out.put("get_vs_etcd_range_c" + c, ratio("atomkv Get ÷ etcd Range (1 key) at " + c,
          rep -> get(rep, "atomkv", "get", c, "ops_per_s")
              / get(rep, "etcd", "get", c, "ops_per_s")));
    }
    out.put("tenant_atomic_vs_atomic_c64", ratio(
        "a tenant's Atomic ÷ the default tenant's Atomic at 64 (the per-call tenant cost)",
        rep -> get(rep, "atomkv", "atomic_tenant", 64, "ops_per_s")
            / get(rep, "atomkv", "atomic", 64, "ops_per_s")));
    out.put("tenant_get_vs_get_c64", ratio(
        "a tenant's Get ÷ the default tenant's Get at 64 (the per-call tenant cost)",
        rep -> get(rep, "atomkv", "get_tenant", 64, "ops_per_s")
            / get(rep, "atomkv", "get", 64, "ops_per_s")));
    out.put("list_vs_etcd_range_prefix_c64", ratio("atomkv List ÷ etcd prefix Range at 64",
        rep -> get(rep, "atomkv", "list", 64, "ops_per_s")
            / get(rep, "etcd", "list", 64, "ops_per_s")));
    for (int c : new int[] {1, 8, 64, 256}) {
      if (ran("atomkv", "query", c) && ran("atomkv", "list_docs", c)) {
        out.put("query_vs_list_c" + c, ratio("atomkv Query ÷ List of the same page size (100 "
            + "documents) at " + c, rep -> get(rep, "atomkv", "query", c, "ops_per_s")
            / get(rep, "atomkv", "list_docs", c, "ops_per_s")));
      }
    }
    if (ran("atomkv", "entity_set", 64) && ran("atomkv", "plain_set", 64)) {
      out.put("entity_set_vs_plain_set_c64", ratio("atomkv Atomic set of a document with 2 "
              + "indexes ÷ plain Atomic set of the same size at 64",
          rep -> get(rep, "atomkv", "entity_set", 64, "ops_per_s")
              / get(rep, "atomkv", "plain_set", 64, "ops_per_s")));
    }
    out.put("lmdb_batch_vs_noop_c64", ratio(
        "LMDB alone, 64 reads + puts per synced txn (puts/s) ÷ no-op ok/s at 64: Atomic's ceiling",
        rep -> get(rep, "lmdb", "put_synced", 64, "ops_per_s")
            / get(rep, "atomkv", "noop", 64, "ops_per_s")));
    out.put("single_client_p50_bound", ratio(
        "Atomic p50 at 1 ÷ (no-op p50 at 1 + LMDB synced single-put p50)",
        rep -> get(rep, "atomkv", "atomic", 1, "p50_us")
            / (get(rep, "atomkv", "noop", 1, "p50_us") + get(rep, "lmdb", "put_synced", 1,
            "p50_us"))));
    return out;
  }

  @SuppressWarnings("unchecked")
  List<Map<String, Object>> targets(long peakRssAnon, Map<String, Object> verification) {
    Map<String, Object> r = ratios();
    List<Map<String, Object>> out = new ArrayList<>();
    double atomicVsEtcd = med(r, "atomic_vs_etcd_txn_c64");
    out.add(target("Atomic at 64 ≥ 5× etcd Txn", "≥ 5×", atomicVsEtcd, atomicVsEtcd >= 5,
        "×"));
    double tenantAtomic = med(r, "tenant_atomic_vs_atomic_c64");
    out.add(target("a tenant's Atomic at 64 ≥ 0.95× the default tenant's", "≥ 0.95×",
        tenantAtomic, tenantAtomic >= 0.95, "×"));
    double tenantGet = med(r, "tenant_get_vs_get_c64");
    out.add(target("a tenant's Get at 64 ≥ 0.95× the default tenant's", "≥ 0.95×", tenantGet,
        tenantGet >= 0.95, "×"));
    double atomicVsNoop = med(r, "atomic_vs_noop_c64");
    Map<String, Object> vsNoop = target("Atomic at 64 ≥ 0.5× no-op ceiling", "≥ 0.5×",
        atomicVsNoop, atomicVsNoop >= 0.5, "×");
    // At 64 in flight no batch can hold more than 64 requests, so LMDB alone doing a full batch's
    // work per synced commit, on an otherwise idle thread, bounds what Atomic can reach.
    double ceiling = med(r, "lmdb_batch_vs_noop_c64");
    if (atomicVsNoop < 0.5 && ceiling < 0.5) {
      vsNoop.put("note", String.format(Locale.ROOT, "(out of reach here: LMDB alone, 64 reads + "
          + "puts per synced commit on one thread, makes %.2f× the no-op)", ceiling));
    }
    out.add(vsNoop);
    double getVsNoop = med(r, "get_vs_noop_c64");
    out.add(target("Get at 64 ≥ 0.8× no-op ceiling", "≥ 0.8×", getVsNoop, getVsNoop >= 0.8,
        "×"));
    double p99 = medianOf("atomkv", "atomic", 64, "p99_us") / 1000;
    out.add(target("Atomic at 64: p99 ≤ 10 ms", "≤ 10 ms", p99, p99 <= 10, " ms"));
    double bound = med(r, "single_client_p50_bound");
    out.add(target("Atomic at 1: p50 ≤ 2× (no-op p50 + LMDB synced put p50)", "≤ 2×", bound,
        bound <= 2, "×"));
    if (r.containsKey("query_vs_list_c64")) {
      double q = med(r, "query_vs_list_c64");
      out.add(target("Query at 64 ≥ 0.8× List of the same page size (100 documents)", "≥ 0.8×",
          q, q >= 0.8, "×"));
    }
    double mib = peakRssAnon / 1024.0 / 1024.0;
    out.add(target("Server anonymous RSS < 512 MB through the run", "< 512 MiB", mib,
        peakRssAnon > 0 && mib < 512, " MiB"));
    long errors = results.stream().filter(x -> "atomkv".equals(x.str("system")))
        .mapToLong(x -> (long) x.num("errors")).sum();
    Map<String, Object> v = (Map<String, Object>) verification.get("atomkv");
    long mismatches = v == null ? -1 : ((Number) v.get("mismatches")).longValue();
    long checked = v == null ? 0 : ((Number) v.get("checked")).longValue();
    Map<String, Object> t = target("No error and no lost write (kill -9, restart, read back)",
        "0 errors, 0 mismatches", errors + mismatches, errors == 0 && mismatches == 0, "");
    t.put("value_text", errors + " errors in atomkv runs; " + mismatches + " of " + checked
        + " keys differ from their last acknowledged write");
    out.add(t);
    return out;
  }

  private boolean ran(String system, String scenario, int c) {
    return results.stream().anyMatch(x -> key(x).equals(key(system, scenario, c)));
  }

  private double medianOf(String system, String scenario, int c, String field) {
    return median(results.stream().filter(x -> key(x).equals(key(system, scenario, c)))
        .mapToDouble(x -> x.num(field)).toArray());
  }

  @SuppressWarnings("unchecked")
  private static double med(Map<String, Object> ratios, String key) {
    Object m = ratios.get(key);
    return m == null ? Double.NaN : ((Number) ((Map<String, Object>) m).get("median")).doubleValue();
  }

  private static Map<String, Object> target(String name, String goal, double value, boolean met,
      String unit) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("target", name);
    m.put("goal", goal);
    m.put("value", value);
    m.put("unit", unit);
    m.put("met", met && !Double.isNaN(value));
    return m;
  }

  static double median(double[] xs) {
    double[] v = Arrays.stream(xs).filter(d -> !Double.isNaN(d)).sorted().toArray();
    if (v.length == 0) {
      return Double.NaN;
    }
    return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
  }
}
