package dev.atomkv.bench.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SummaryTest {
  private static Result run(int rep, String scenario, int c, double opsPerS) {
    return new Result("atomkv", scenario, c).put("rep", rep).put("ops_per_s", opsPerS);
  }

  @Test
  @SuppressWarnings("unchecked")
  void entityRatiosAreTakenWithinEachRepetitionAndJudgeTheQueryTarget() {
    List<Result> results = new ArrayList<>();
    double[][] queryList = {{900, 1000}, {400, 1000}, {1700, 2000}}; // 0.9, 0.4, 0.85
    for (int rep = 1; rep <= 3; rep++) {
      results.add(run(rep, "query", 64, queryList[rep - 1][0]));
      results.add(run(rep, "list_docs", 64, queryList[rep - 1][1]));
      results.add(run(rep, "entity_set", 64, 1000 * rep));
      results.add(run(rep, "plain_set", 64, 4000 * rep));
    }
    Summary s = new Summary(results, 3);

    Map<String, Object> ratios = s.ratios();
    Map<String, Object> q = (Map<String, Object>) ratios.get("query_vs_list_c64");
    assertEquals(0.85, (Double) q.get("median"), 1e-9);
    assertEquals(List.of(0.9, 0.4, 0.85), q.get("each_run"));
    Map<String, Object> w = (Map<String, Object>) ratios.get("entity_set_vs_plain_set_c64");
    assertEquals(0.25, (Double) w.get("median"), 1e-9);
    assertFalse(ratios.containsKey("query_vs_list_c1"), "no query ran at 1 in flight");

    Map<String, Object> target = s.targets(0, Map.of()).stream()
        .filter(t -> String.valueOf(t.get("target")).startsWith("Query at 64"))
        .findFirst().orElseThrow();
    assertTrue((Boolean) target.get("met"), target.toString());
  }

  @Test
  void withoutEntityRunsThereIsNoEntityTarget() {
    List<Result> results = List.of(run(1, "get", 64, 1000), run(1, "noop", 64, 1000));
    Summary s = new Summary(results, 1);
    assertFalse(s.ratios().containsKey("query_vs_list_c64"));
    assertTrue(s.targets(0, Map.of()).stream()
        .noneMatch(t -> String.valueOf(t.get("target")).startsWith("Query")));
  }
}
