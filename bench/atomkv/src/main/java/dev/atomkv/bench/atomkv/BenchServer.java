package dev.atomkv.bench.atomkv;

import com.google.protobuf.ByteString;
import dev.atomkv.bench.core.Proc;
import dev.atomkv.bench.proto.NoopServiceGrpc;
import dev.atomkv.bench.proto.StatsRequest;
import dev.atomkv.bench.proto.StatsResponse;
import dev.atomkv.bench.proto.StatsServiceGrpc;
import dev.atomkv.proto.v1.AtomicRequest;
import dev.atomkv.proto.v1.AtomicResponse;
import dev.atomkv.server.AtomkvServer;
import dev.atomkv.server.ServerConfig;
import io.grpc.stub.StreamObserver;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.MemoryUsage;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The real atomkv server, started by {@code AtomkvServer.start(ServerConfig, services)} exactly as
 * {@code make run} starts it (same flags, Netty settings, executor, metrics), plus two bench
 * services on that same server:
 * {@link NoopService} (the ceiling) and {@link Stats}. Takes the server's own flags
 * ({@code --port 0 --data-dir DIR ...}) and prints {@code @@ {"port":N}} once serving.
 */
public final class BenchServer {
  private BenchServer() {}

  public static void main(String[] args) throws Exception {
    // The production start-up, bench services added; metrics are recorded and served on a free
    // port so the bench never collides with a running server's default metrics port, and KV
    // Connect (not benchmarked) stays off.
    String[] withMetrics = new String[args.length + 2];
    withMetrics[0] = "--metrics-port=0";
    withMetrics[1] = "--kv-connect-port=-1";
    System.arraycopy(args, 0, withMetrics, 2, args.length);
    ServerConfig config = ServerConfig.parse(withMetrics);
    AtomkvServer server = AtomkvServer.start(config, List.of(new NoopService(), new Stats()));
    Runtime.getRuntime().addShutdownHook(new Thread(server::close, "bench-shutdown"));
    System.out.println("@@ {\"port\":" + server.port() + ",\"pid\":"
        + ProcessHandle.current().pid() + ",\"threads\":" + config.workerThreads() + "}");
    System.out.flush();
    server.awaitTermination();
  }

  /** Answers every Atomic with ok=true and a fixed versionstamp: what the stack alone costs. */
  static final class NoopService extends NoopServiceGrpc.NoopServiceImplBase {
    private static final AtomicResponse OK = AtomicResponse.newBuilder()
        .setOk(true)
        .setVersionstamp(ByteString.copyFrom(new byte[] {0, 6, 0x40, 0, 0, 0, 0, 0, 0, 0}))
        .build();

    @Override
    public void atomic(AtomicRequest request, StreamObserver<AtomicResponse> out) {
      out.onNext(OK);
      out.onCompleted();
    }
  }

  /** Memory and CPU of this process, with peaks sampled every 50 ms. */
  static final class Stats extends StatsServiceGrpc.StatsServiceImplBase {
    private final long pid = ProcessHandle.current().pid();
    private final MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    private final AtomicLong peakRssAnon = new AtomicLong();
    private final AtomicLong peakHeapUsed = new AtomicLong();
    private final AtomicLong peakHeapCommitted = new AtomicLong();

    Stats() {
      ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "bench-mem-sampler");
        t.setDaemon(true);
        return t;
      });
      sampler.scheduleAtFixedRate(this::sample, 0, 50, TimeUnit.MILLISECONDS);
    }

    private void sample() {
      peakRssAnon.accumulateAndGet(Proc.statusBytes(pid, "RssAnon"), Math::max);
      MemoryUsage heap = memory.getHeapMemoryUsage();
      peakHeapUsed.accumulateAndGet(heap.getUsed(), Math::max);
      peakHeapCommitted.accumulateAndGet(heap.getCommitted(), Math::max);
    }

    @Override
    public void stats(StatsRequest request, StreamObserver<StatsResponse> out) {
      sample();
      MemoryUsage heap = memory.getHeapMemoryUsage();
      long gcCount = 0;
      long gcMs = 0;
      for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
        gcCount += Math.max(0, gc.getCollectionCount());
        gcMs += Math.max(0, gc.getCollectionTime());
      }
      long cpuNs = ((com.sun.management.OperatingSystemMXBean)
          ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
      StatsResponse resp = StatsResponse.newBuilder()
          .setRssAnonBytes(Proc.statusBytes(pid, "RssAnon"))
          .setPeakRssAnonBytes(peakRssAnon.get())
          .setHeapUsedBytes(heap.getUsed())
          .setPeakHeapUsedBytes(peakHeapUsed.get())
          .setHeapCommittedBytes(heap.getCommitted())
          .setPeakHeapCommittedBytes(peakHeapCommitted.get())
          .setGcCount(gcCount)
          .setGcTimeMs(gcMs)
          .setCpuTimeNs(cpuNs)
          .setRssBytes(Proc.statusBytes(pid, "VmRSS"))
          .build();
      if (request.getResetPeaks()) {
        peakRssAnon.set(0);
        peakHeapUsed.set(0);
        peakHeapCommitted.set(0);
        sample();
      }
      out.onNext(resp);
      out.onCompleted();
    }
  }
}
