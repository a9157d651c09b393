package dev.atomkv.bench.core;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * CPU time each watched process spent during the timed window (from /proc), and how busy the
 * machine was: on a 2-core box client and server share the cores, so this says where they went.
 */
public final class CpuWatch implements LoadLoop.Window {
  private final Map<String, Long> pids;
  private final Map<String, Long> startMs = new LinkedHashMap<>();
  private final Map<String, Long> startSysMs = new LinkedHashMap<>();
  private long[] machineStart;
  private Map<String, long[]> serverThreadsStart = Map.of();
  private long wallStartNs;
  private final LoadLoop.Window next;

  /** @param pids process label (server, driver, etcd...) to pid; {@code next} runs after */
  public CpuWatch(Map<String, Long> pids, LoadLoop.Window next) {
    this.pids = pids;
    this.next = next;
  }

  @Override
  public void started() {
    next.started();
    wallStartNs = System.nanoTime();
    machineStart = Proc.machineCpuMillis();
    pids.forEach((name, pid) -> {
      startMs.put(name, Proc.cpuMillis(pid));
      startSysMs.put(name, Proc.sysCpuMillis(pid));
    });
    Long server = pids.get("server");
    if (server != null) {
      serverThreadsStart = Proc.threadGroups(server);
    }
  }

  @Override
  public void ended(Result r) {
    double wallMs = (System.nanoTime() - wallStartNs) / 1e6;
    long[] machineEnd = Proc.machineCpuMillis();
    pids.forEach((name, pid) -> {
      long end = Proc.cpuMillis(pid);
      Long start = startMs.get(name);
      if (end >= 0 && start != null && start >= 0) {
        // cores used on average, e.g. 1.2 = 120% of one core
        r.put("cpu_cores_" + name, (end - start) / wallMs);
        long sys = Proc.sysCpuMillis(pid);
        Long sysStart = startSysMs.get(name);
        if (sys >= 0 && sysStart != null && sysStart >= 0) {
          r.put("cpu_sys_cores_" + name, (sys - sysStart) / wallMs); // kernel part of the above
        }
      }
    });
    Long server = pids.get("server");
    if (server != null) {
      // Per thread group of the server: cores used, and cores' worth of time spent runnable but
      // waiting for a CPU (the price of sharing two cores with the load generator).
      Map<String, Object> groups = new LinkedHashMap<>();
      Proc.threadGroups(server).forEach((name, end) -> {
        long[] start = serverThreadsStart.getOrDefault(name, new long[2]);
        double cpu = (end[0] - start[0]) / 1e6 / wallMs;
        double wait = (end[1] - start[1]) / 1e6 / wallMs;
        if (cpu >= 0.005 || wait >= 0.005) {
          Map<String, Object> g = new LinkedHashMap<>();
          g.put("cpu", cpu);
          g.put("runq_wait", wait);
          groups.put(name, g);
        }
      });
      r.put("server_threads", groups);
    }
    if (machineStart[1] > 0 && machineEnd[1] > machineStart[1]) {
      r.put("machine_busy", (machineEnd[0] - machineStart[0])
          / (double) (machineEnd[1] - machineStart[1]));
    }
    next.ended(r);
  }

  /** Reads "name=pid,name=pid" as sent by the coordinator. */
  public static Map<String, Long> parsePids(Object spec) {
    Map<String, Long> out = new LinkedHashMap<>();
    out.put("driver", ProcessHandle.current().pid());
    if (spec instanceof Map<?, ?> m) {
      m.forEach((k, v) -> out.put(String.valueOf(k), ((Number) v).longValue()));
    }
    return out;
  }
}
