package dev.atomkv.server.api;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import dev.atomkv.proto.v1.AckRequest;
import dev.atomkv.proto.v1.AckResponse;
import dev.atomkv.proto.v1.AtomicRequest;
import dev.atomkv.proto.v1.AtomicResponse;
import dev.atomkv.proto.v1.Entry;
import dev.atomkv.proto.v1.Consistency;
import dev.atomkv.proto.v1.GetRequest;
import dev.atomkv.proto.v1.GetResponse;
import dev.atomkv.proto.v1.KvServiceGrpc;
import dev.atomkv.proto.v1.ListRequest;
import dev.atomkv.proto.v1.ListResponse;
import dev.atomkv.proto.v1.ListenRequest;
import dev.atomkv.proto.v1.ListenResponse;
import dev.atomkv.proto.v1.WatchRequest;
import dev.atomkv.proto.v1.WatchResponse;
import dev.atomkv.server.engine.KeyWatch;
import dev.atomkv.server.engine.KvEngine;
import dev.atomkv.server.engine.ListPage;
import dev.atomkv.server.engine.StoredEntry;
import dev.atomkv.server.tenant.TenantEngines;
import dev.atomkv.server.model.AtomicWrite;
import dev.atomkv.server.model.CommitResult;
import dev.atomkv.server.model.ErrorKind;
import dev.atomkv.server.model.KvException;
import dev.atomkv.server.model.Limits;
import dev.atomkv.server.model.ListQuery;
import dev.atomkv.server.model.RequestValidator;
import dev.atomkv.server.model.Versionstamp;
import dev.atomkv.server.tenant.RateLimitException;
import dev.atomkv.server.tenant.RateLimiter;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * The gRPC edge: validates every request with the shared {@link RequestValidator} before anything
 * reaches the engine, so a bad request never occupies the single writer.
 */
public final class KvGrpcService extends KvServiceGrpc.KvServiceImplBase {
  /** Room left in a List response for its cursor and framing. */
  private static final int LIST_RESPONSE_RESERVE = 8192;

  private final TenantEngines engines;
  private final Limits limits;
  private final RequestValidator validator;
  private final Clock clock;
  private final Executor responseExecutor;
  private final Set<WatchStream> openWatches = ConcurrentHashMap.newKeySet();
  private volatile boolean shuttingDown;
  private final QueueCalls queue;
  private final RateGate gate;

  /**
   * @param responseExecutor where commit results and watch updates are sent from, so the writer
   *     and the watch notifier only hand over
   * @param rateLimiter the tenants' rate limits, asked before any call reaches the engine
   */
  public KvGrpcService(TenantEngines engines, Limits limits, Clock clock, Executor responseExecutor,
      RateLimiter rateLimiter) {
    this.engines = engines;
    this.limits = limits;
    this.validator = new RequestValidator(limits);
    this.clock = clock;
    this.responseExecutor = responseExecutor;
    this.queue = new QueueCalls(engines, validator, responseExecutor);
    this.gate = new RateGate(rateLimiter);
  }

  @Override
  public void get(GetRequest req, StreamObserver<GetResponse> out) {
    try {
      gate.read();
      validator.getKeyCount(req.getKeysCount());
      List<byte[]> keys = readKeys(req.getKeysList());
      List<StoredEntry> found = reader(req.getConsistency()).get(keys);
      GetResponse.Builder resp = GetResponse.newBuilder();
      for (int i = 0; i < found.size(); i++) {
        resp.addEntries(ProtoMapper.toProtoEntry(req.getKeys(i), found.get(i)));
      }
      GetResponse built = resp.build();
      validator.getResponseBytes(built.getSerializedSize());
      gate.readReturned(built.getSerializedSize());
      out.onNext(built);
      out.onCompleted();
    } catch (RuntimeException e) {
      out.onError(StatusMapper.toStatus(e));
    }
  }

  @Override
  public void watch(WatchRequest req, StreamObserver<WatchResponse> responses) {
    List<byte[]> keys;
    Versionstamp after;
    try {
      gate.read();
      validator.watchKeyCount(req.getKeysCount());
      keys = readKeys(req.getKeysList());
      after = req.getAfter().isEmpty() ? null : Versionstamp.fromBytes(req.getAfter().toByteArray());
    } catch (RuntimeException e) {
      responses.onError(StatusMapper.toStatus(e));
      return;
    }
    WatchStream stream = new WatchStream((ServerCallStreamObserver<WatchResponse>) responses,
        req.getKeysList(), responseExecutor, openWatches::remove);
    openWatches.add(stream);
    // Checked after joining the set, so endWatches either sees this stream or it sees the flag.
    if (shuttingDown) {
      stream.end(new KvException(ErrorKind.UNAVAILABLE, "server is shutting down"));
      return;
    }
    KeyWatch watch;
    try {
      watch = engine().watch(keys, after, stream::schedule);
    } catch (RuntimeException e) {
      stream.end(e);
      return;
    }
    stream.start(watch);
  }

  /**
   * Ends every open Watch with UNAVAILABLE, and every later one as soon as it starts: watches
   * never finish on their own, so a graceful shutdown would otherwise wait its whole grace period.
   */
  public void endWatches() {
    shuttingDown = true;
    KvException closing = new KvException(ErrorKind.UNAVAILABLE, "server is shutting down");
    for (WatchStream w : openWatches) {
      w.end(closing);
    }
  }

  /** Encodes the keys of a read (Get, Watch), each checked as a read key. */
  private List<byte[]> readKeys(List<dev.atomkv.proto.v1.Key> requested) {
    List<byte[]> keys = new ArrayList<>(requested.size());
    for (int i = 0; i < requested.size(); i++) {
      byte[] key = ProtoMapper.encodeNonEmptyKey(requested.get(i), "keys[" + i + "]");
      validator.readKey(key);
      keys.add(key);
    }
    return keys;
  }

  @Override
  public void list(ListRequest req, StreamObserver<ListResponse> out) {
    try {
      gate.read();
      int limit = validator.listLimit(req.getLimit());
      ListQuery query = ListQuery.resolve(
          req.hasPrefix() ? ProtoMapper.encodeKey(req.getPrefix(), "prefix") : null,
          req.hasStart() ? ProtoMapper.encodeNonEmptyKey(req.getStart(), "start") : null,
          req.hasEnd() ? ProtoMapper.encodeNonEmptyKey(req.getEnd(), "end") : null,
          req.getCursor(), req.getReverse(), validator);
      // Entries are converted while sizing, and the conversions kept, so each is built once.
      List<Entry> converted = new ArrayList<>();
      ListPage page = reader(req.getConsistency()).list(query.start(), query.end(),
          req.getReverse(), limit,
          Math.max(1, limits.maxResponseBytes() - LIST_RESPONSE_RESERVE),
          e -> {
            Entry entry = ProtoMapper.toProtoEntry(e);
            converted.add(entry);
            return CodedOutputStream.computeMessageSize(1, entry);
          });
      ListResponse.Builder resp = ListResponse.newBuilder();
      for (int i = 0; i < page.entries().size(); i++) {
        resp.addEntries(converted.get(i));
      }
      if (page.more() && !page.entries().isEmpty()) {
        resp.setCursor(query.cursorAfter(page.entries().get(page.entries().size() - 1).key()));
      }
      ListResponse built = resp.build();
      gate.readReturned(built.getSerializedSize());
      out.onNext(built);
      out.onCompleted();
    } catch (RuntimeException e) {
      out.onError(StatusMapper.toStatus(e));
    }
  }

  @Override
  public void atomic(AtomicRequest req, StreamObserver<AtomicResponse> out) {
    AtomicWrite write;
    try {
      gate.write(req.getSerializedSize());
      validator.requestBytes(req.getSerializedSize());
      write = AtomicRequestMapper.toWrite(req, clock.millis(), deadlineNanos());
      validator.atomicWrite(write);
    } catch (RuntimeException e) {
      out.onError(StatusMapper.toStatus(e));
      return;
    }
    engine().commit(write).whenCompleteAsync((result, failure) -> {
      if (failure != null) {
        out.onError(StatusMapper.toStatus(failure));
      } else {
        out.onNext(toResponse(result));
        out.onCompleted();
      }
    }, responseExecutor);
  }

  @Override
  public void listen(ListenRequest req, StreamObserver<ListenResponse> out) {
    if (admitted(gate::call, out)) {
      queue.listen(req, out);
    }
  }

  @Override
  public void ack(AckRequest req, StreamObserver<AckResponse> out) {
    // Settling a delivery is a write (small, so one unit).
    if (admitted(() -> gate.write(req.getSerializedSize()), out)) {
      queue.ack(req, out);
    }
  }

  /** Asks the rate limiter; a refusal is answered on {@code out}. */
  private static boolean admitted(Runnable check, StreamObserver<?> out) {
    try {
      check.run();
      return true;
    } catch (RateLimitException e) {
      out.onError(StatusMapper.toStatus(e));
      return false;
    }
  }

  private static AtomicResponse toResponse(CommitResult r) {
    AtomicResponse.Builder b = AtomicResponse.newBuilder().setOk(r.ok());
    if (r.ok()) {
      b.setVersionstamp(ByteString.copyFrom(r.versionstamp().toBytes()));
    } else {
      r.failedChecks().forEach(b::addFailedChecks);
      r.failedConditions().forEach(b::addFailedConditions);
    }
    return b.build();
  }

  private static long deadlineNanos() {
    Deadline d = Context.current().getDeadline();
    if (d == null) {
      return Long.MAX_VALUE;
    }
    return System.nanoTime() + d.timeRemaining(TimeUnit.NANOSECONDS);
  }

  /** Strong reads ask the cluster first (when there is one); eventual ones read what is here. */
  private KvEngine reader(Consistency consistency) {
    return consistency == Consistency.CONSISTENCY_EVENTUAL ? engine().eventualReads() : engine();
  }

  /** The engine of the calling tenant. */
  private KvEngine engine() {
    return engines.of(CallPrincipal.tenant());
  }
}
