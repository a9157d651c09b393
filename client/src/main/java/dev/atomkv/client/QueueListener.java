package dev.atomkv.client;

import dev.atomkv.proto.v1.AckRequest;
import dev.atomkv.proto.v1.AckResponse;
import dev.atomkv.proto.v1.KvServiceGrpc;
import dev.atomkv.proto.v1.ListenRequest;
import dev.atomkv.proto.v1.ListenResponse;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A running {@link KvClient#listenQueue} listener: one Listen stream that hands each message to
 * the handler and acknowledges it from the handler's outcome (return = success, exception =
 * failure). When the stream breaks (the server restarted, the network failed) it reconnects with
 * a growing pause; a refusal that a retry cannot fix (bad credentials, an invalid request) stops
 * it and is kept in {@link #failure()}. Close it to stop listening.
 */
public final class QueueListener implements AutoCloseable {
  private static final Logger LOG = System.getLogger(QueueListener.class.getName());
  /** Endings that reconnecting can cure. */
  private static final Set<Status.Code> TRANSIENT = Set.of(Status.Code.UNAVAILABLE,
      Status.Code.CANCELLED, Status.Code.DEADLINE_EXCEEDED, Status.Code.INTERNAL,
      Status.Code.UNKNOWN, Status.Code.RESOURCE_EXHAUSTED, Status.Code.ABORTED);

  private final KvServiceGrpc.KvServiceStub stub;
  private final Duration ackDeadline;
  private final QueueHandler handler;
  private final ListenOptions options;
  private final Executor executor;
  private final ExecutorService ownThreads;
  private final ScheduledExecutorService reconnects;
  private final AtomicInteger handling = new AtomicInteger();

  // Guarded by this.
  private boolean closed;
  private ClientCallStreamObserver<ListenRequest> call;
  private long pauseNanos;
  private KvException failure;

  QueueListener(KvServiceGrpc.KvServiceStub stub, Duration ackDeadline, QueueHandler handler,
      ListenOptions options) {
    this.stub = stub;
    this.ackDeadline = ackDeadline;
    this.handler = handler;
    this.options = options;
    this.ownThreads = options.executor() == null
        ? Executors.newFixedThreadPool(options.concurrency(), daemon("atomkv-queue-handler"))
        : null;
    this.executor = ownThreads != null ? ownThreads : options.executor();
    this.reconnects = Executors.newSingleThreadScheduledExecutor(daemon("atomkv-queue-listen"));
    this.pauseNanos = options.reconnectBackoff().toNanos();
  }

  void start() {
    connect();
  }

  /** Whether {@link #close()} was called or a lasting failure stopped it. */
  public synchronized boolean isStopped() {
    return closed || failure != null;
  }

  /** The refusal that stopped the listener, or null while it runs or after a plain close. */
  public synchronized KvException failure() {
    return failure;
  }

  /**
   * Stops listening. Handlers already running finish and acknowledge first (waiting up to the
   * client's deadline); then the stream ends, and the server redelivers whatever was not
   * acknowledged.
   */
  @Override
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
    }
    reconnects.shutdownNow();
    long until = System.nanoTime() + ackDeadline.toNanos();
    while (handling.get() > 0 && System.nanoTime() - until < 0) {
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    ClientCallStreamObserver<ListenRequest> c;
    synchronized (this) {
      c = call;
      call = null;
    }
    if (c != null) {
      c.cancel("listener closed", null);
    }
    if (ownThreads != null) {
      ownThreads.shutdown();
    }
  }

  private void connect() {
    synchronized (this) {
      if (closed) {
        return;
      }
    }
    ListenRequest request = ListenRequest.newBuilder().setMaxInFlight(options.concurrency()).build();
    stub.listen(request, new ClientResponseObserver<ListenRequest, ListenResponse>() {
      @Override
      public void beforeStart(ClientCallStreamObserver<ListenRequest> requestStream) {
        boolean cancel;
        synchronized (QueueListener.this) {
          cancel = closed;
          call = requestStream;
        }
        if (cancel) {
          requestStream.cancel("listener closed", null);
        }
      }

      @Override
      public void onNext(ListenResponse delivery) {
        synchronized (QueueListener.this) {
          pauseNanos = options.reconnectBackoff().toNanos(); // the stream works again
        }
        handling.incrementAndGet();
        try {
          executor.execute(() -> handle(delivery));
        } catch (RejectedExecutionException e) {
          handling.decrementAndGet(); // closing: the server redelivers it
        }
      }

      @Override
      public void onError(Throwable t) {
        ended(Status.fromThrowable(t), t);
      }

      @Override
      public void onCompleted() {
        ended(Status.UNAVAILABLE.withDescription("the server ended the stream"), null);
      }
    });
  }

  private void ended(Status status, Throwable t) {
    long pause;
    synchronized (this) {
      call = null;
      if (closed) {
        return;
      }
      if (!TRANSIENT.contains(status.getCode())) {
        failure = StatusMapping.forRead(status.asRuntimeException());
        LOG.log(Level.ERROR, "queue listener stopped: " + failure.getMessage());
        return;
      }
      pause = pauseNanos;
      pauseNanos = Math.min(pauseNanos * 2, options.maxReconnectBackoff().toNanos());
    }
    LOG.log(Level.DEBUG, "queue stream ended (" + status + "); reconnecting", t);
    try {
      reconnects.schedule(this::connect, pause, TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      // closed meanwhile
    }
  }

  private void handle(ListenResponse delivery) {
    boolean success = false;
    try {
      handler.handle(new QueueMessage(ProtoMapping.fromProto(delivery.getPayload()),
          delivery.getAttempt(), Versionstamp.fromBytes(delivery.getVersionstamp().toByteArray())));
      success = true;
    } catch (Exception e) {
      LOG.log(Level.WARNING, "queue handler failed (attempt " + delivery.getAttempt() + ")", e);
    } finally {
      ack(delivery.getLeaseId(), success);
    }
  }

  private void ack(String leaseId, boolean success) {
    AckRequest request = AckRequest.newBuilder().setLeaseId(leaseId).setSuccess(success).build();
    stub.withDeadlineAfter(ackDeadline.toNanos(), TimeUnit.NANOSECONDS).ack(request,
        new StreamObserver<AckResponse>() {
          @Override
          public void onNext(AckResponse value) {}

          @Override
          public void onError(Throwable t) {
            // The lease ended first (it expired, or the stream broke): the server redelivers.
            handling.decrementAndGet();
            LOG.log(Level.WARNING, "queue ack not taken: " + (t instanceof StatusRuntimeException s
                ? s.getStatus() : t));
          }

          @Override
          public void onCompleted() {
            handling.decrementAndGet();
          }
        });
  }

  private static java.util.concurrent.ThreadFactory daemon(String name) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, name + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
