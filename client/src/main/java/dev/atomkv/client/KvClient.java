package dev.atomkv.client;

import dev.atomkv.proto.v1.AtomicRequest;
import dev.atomkv.proto.v1.AtomicResponse;
import dev.atomkv.proto.v1.EntityServiceGrpc;
import dev.atomkv.proto.v1.GetRequest;
import dev.atomkv.proto.v1.GetResponse;
import dev.atomkv.proto.v1.KvServiceGrpc;
import dev.atomkv.proto.v1.ListRequest;
import dev.atomkv.proto.v1.ListResponse;
import dev.atomkv.proto.v1.QueryRequest;
import dev.atomkv.proto.v1.QueryResponse;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * The atomkv client, over any gRPC {@link Channel} (Netty in production, in-process in tests). The
 * caller owns the channel and shuts it down; the client holds nothing else and is thread-safe.
 *
 * <pre>{@code
 * KvClient kv = KvClient.create(channel);
 * kv.set(Key.of("users", "alice"), KvValue.of("Alice"));
 * KvEntry e = kv.get(Key.of("users", "alice"));          // e.exists(), e.value(), e.versionstamp()
 * kv.stream(ListSelector.prefix(Key.of("users")), ListOptions.defaults()).forEach(...);
 * }</pre>
 *
 * <p>Every call but {@link #watch(List)} carries a deadline ({@link #DEFAULT_DEADLINE} unless set). Reads (Get and each
 * List page) are retried on UNAVAILABLE, each attempt with a fresh deadline; on a channel to several
 * servers ({@link KvChannels}) each attempt goes to the next server in the rotation. Commits are
 * never retried (see {@link AtomicOperation#commit()}). Failures surface as {@link KvException}.
 */
public final class KvClient {
  /** The deadline of each call when none is set. */
  public static final Duration DEFAULT_DEADLINE = Duration.ofSeconds(10);
  /** Attempts of a read when none is set (the first try included). */
  public static final int DEFAULT_READ_ATTEMPTS = 3;
  /** The pause before the first read retry when none is set; it doubles at each further retry. */
  public static final Duration DEFAULT_READ_BACKOFF = Duration.ofMillis(50);

  private final KvServiceGrpc.KvServiceBlockingStub stub;
  private final KvServiceGrpc.KvServiceStub asyncStub;
  private final EntityServiceGrpc.EntityServiceBlockingStub entityStub;
  private final Duration deadline;
  private final int readAttempts;
  private final Duration readBackoff;

  private KvClient(KvServiceGrpc.KvServiceBlockingStub stub, KvServiceGrpc.KvServiceStub asyncStub,
      EntityServiceGrpc.EntityServiceBlockingStub entityStub, Duration deadline, int readAttempts,
      Duration readBackoff) {
    this.stub = stub;
    this.asyncStub = asyncStub;
    this.entityStub = entityStub;
    this.deadline = deadline;
    this.readAttempts = readAttempts;
    this.readBackoff = readBackoff;
  }

  /** A client with the default deadline and read retries. */
  public static KvClient create(Channel channel) {
    return builder(channel).build();
  }

  /** A builder for a client with other settings. */
  public static Builder builder(Channel channel) {
    return new Builder(channel);
  }

  /** A client sharing this one's channel and settings, with another per-call deadline. */
  public KvClient withDeadline(Duration deadline) {
    return new KvClient(stub, asyncStub, entityStub, positive(deadline, "deadline"), readAttempts,
        readBackoff);
  }

  /** The deadline each call (each attempt, for retried reads) carries. */
  public Duration deadline() {
    return deadline;
  }

  /** Reads one key, strongly. A missing key gives an entry that does not {@link KvEntry#exists() exist}. */
  public KvEntry get(Key key) {
    return get(key, Consistency.STRONG);
  }

  /** Reads one key. A missing key gives an entry that does not {@link KvEntry#exists() exist}. */
  public KvEntry get(Key key, Consistency consistency) {
    return getMany(List.of(key), consistency).get(0);
  }

  /** Reads keys from one snapshot, strongly; entries in request order. */
  public List<KvEntry> getMany(List<Key> keys) {
    return getMany(keys, Consistency.STRONG);
  }

  /**
   * Reads keys (up to 1000, a server setting) from one snapshot; one entry per key, in request
   * order. No keys gives an empty list without a call.
   */
  public List<KvEntry> getMany(List<Key> keys, Consistency consistency) {
    if (keys.isEmpty()) {
      return List.of();
    }
    GetRequest.Builder request = GetRequest.newBuilder().setConsistency(consistency.toProto());
    for (Key key : keys) {
      request.addKeys(ProtoMapping.toProto(key));
    }
    GetRequest built = request.build();
    GetResponse response = read(s -> s.get(built));
    if (response.getEntriesCount() != keys.size()) {
      throw new IllegalStateException(
          "server answered " + response.getEntriesCount() + " entries for " + keys.size() + " keys");
    }
    List<KvEntry> entries = new ArrayList<>(keys.size());
    for (int i = 0; i < keys.size(); i++) {
      entries.add(ProtoMapping.fromProto(response.getEntries(i), keys.get(i)));
    }
    return List.copyOf(entries);
  }

  /** Lists every entry of the selector, in key order, a page of 100 at a time. */
  public KvListIterator list(ListSelector selector) {
    return list(selector, ListOptions.defaults());
  }

  /** Lists entries of the selector; pages are fetched lazily as the iterator advances. */
  public KvListIterator list(ListSelector selector, ListOptions options) {
    Objects.requireNonNull(selector, "selector");
    Objects.requireNonNull(options, "options");
    Function<ListRequest, ListResponse> fetch = request -> read(s -> s.list(request));
    return new KvListIterator(selector, options, fetch);
  }

  /** {@link #list(ListSelector)} as a sequential, ordered stream. */
  public Stream<KvEntry> stream(ListSelector selector) {
    return stream(selector, ListOptions.defaults());
  }

  /** {@link #list(ListSelector, ListOptions)} as a sequential, ordered stream. */
  public Stream<KvEntry> stream(ListSelector selector, ListOptions options) {
    Spliterator<KvEntry> entries = Spliterators.spliteratorUnknownSize(
        list(selector, options), Spliterator.ORDERED | Spliterator.NONNULL);
    return StreamSupport.stream(entries, false);
  }

  /**
   * Watches up to 10 keys (a server setting): the first event holds the current entry of every
   * key, later ones come whenever any key's versionstamp changes (write, delete, expiry). Reconnects
   * on UNAVAILABLE, resuming after the last event. Close it when done. See {@link KvWatch}.
   *
   * <p>An open watch holds one HTTP/2 stream of the channel, and the server admits
   * {@code --max-concurrent-calls-per-connection} (default 1000) per connection: further calls on
   * the channel wait. Spread many watches over several channels.
   */
  public KvWatch watch(List<Key> keys) {
    return watch(keys, null);
  }

  /**
   * As {@link #watch(List)}, resuming after {@code after} (a {@link WatchEvent#readVersionstamp()}
   * kept from an earlier watch): no first event unless a key changed since. Null starts afresh.
   */
  public KvWatch watch(List<Key> keys, Versionstamp after) {
    Objects.requireNonNull(keys, "keys");
    if (keys.isEmpty()) {
      throw new IllegalArgumentException("watch needs at least one key");
    }
    // No deadline: a watch lasts until it is closed.
    return new KvWatch(asyncStub, keys, after, readBackoff);
  }

  /** Starts an atomic operation. */
  public AtomicOperation atomic() {
    return new AtomicOperation(this);
  }

  /** Stores a value (an atomic of one set). See {@link AtomicOperation#commit()} for failures. */
  public CommitResult set(Key key, KvValue value) {
    return atomic().set(key, value).commit();
  }

  /** Stores a value that expires (an atomic of one set). See {@link AtomicOperation#set(Key, KvValue, Duration)}. */
  public CommitResult set(Key key, KvValue value, Duration expireIn) {
    return atomic().set(key, value, expireIn).commit();
  }

  /** Removes a key (an atomic of one delete). See {@link AtomicOperation#commit()} for failures. */
  public CommitResult delete(Key key) {
    return atomic().delete(key).commit();
  }

  /**
   * Listens for queue messages ({@link AtomicOperation#enqueue}) until closed, one at a time; see
   * {@link #listenQueue(QueueHandler, ListenOptions)}.
   */
  public QueueListener listenQueue(QueueHandler handler) {
    return listenQueue(handler, ListenOptions.defaults());
  }

  /**
   * Listens for queue messages until the returned listener is closed. Each message goes to one
   * listener among all those open on the server; the handler's outcome acknowledges it (return:
   * handled; exception: redelivered after the message's next backoff interval, or given up on).
   * The Listen stream has no deadline; each acknowledgement carries the client's deadline.
   */
  public QueueListener listenQueue(QueueHandler handler, ListenOptions options) {
    Objects.requireNonNull(handler, "handler");
    Objects.requireNonNull(options, "options");
    QueueListener listener = new QueueListener(asyncStub, deadline, handler, options);
    listener.start();
    return listener;
  }

  /**
   * A custom entity: its documents are written with {@link #atomic()} (the entity overloads of
   * set, delete and check) and read with {@link KvEntity#query()}.
   */
  public KvEntity entity(String name) {
    return new KvEntity(this, name);
  }

  QueryResponse query(QueryRequest request) {
    return read(unused -> entityStub.withDeadlineAfter(deadline.toNanos(), TimeUnit.NANOSECONDS)
        .query(request));
  }

  <T> T entityCall(Function<EntityServiceGrpc.EntityServiceBlockingStub, T> call) {
    try {
      return call.apply(entityStub.withDeadlineAfter(deadline.toNanos(), TimeUnit.NANOSECONDS));
    } catch (StatusRuntimeException e) {
      throw StatusMapping.forRead(e);
    }
  }

  CommitResult commit(AtomicRequest request) {
    AtomicResponse response;
    try {
      response = stubWithDeadline().atomic(request);
    } catch (StatusRuntimeException e) {
      throw StatusMapping.forCommit(e);
    }
    if (response.getOk()) {
      return new CommitResult(
          true, Versionstamp.fromBytes(response.getVersionstamp().toByteArray()), List.of(), List.of());
    }
    // uint32 indexes arrive as ints; a request has far fewer than 2^31 checks or mutations.
    return new CommitResult(false, null, response.getFailedChecksList(), response.getFailedConditionsList());
  }

  private KvServiceGrpc.KvServiceBlockingStub stubWithDeadline() {
    return stub.withDeadlineAfter(deadline.toNanos(), TimeUnit.NANOSECONDS);
  }

  private <T> T read(Function<KvServiceGrpc.KvServiceBlockingStub, T> call) {
    for (int attempt = 1; ; attempt++) {
      try {
        return call.apply(stubWithDeadline());
      } catch (StatusRuntimeException e) {
        KvException failure = StatusMapping.forRead(e);
        if (failure.code() != Status.Code.UNAVAILABLE || attempt >= readAttempts) {
          throw failure;
        }
        if (!pause(attempt)) {
          throw failure;
        }
      }
    }
  }

  /** Sleeps before retry {@code attempt}; false if interrupted (the flag is restored). */
  private boolean pause(int attempt) {
    long base = readBackoff.toNanos() << Math.min(attempt - 1, 16);
    // Jitter spreads the retries of many clients that lost the same server at the same moment.
    long nanos = base / 2 + ThreadLocalRandom.current().nextLong(base / 2 + 1);
    try {
      TimeUnit.NANOSECONDS.sleep(nanos);
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private static Duration positive(Duration d, String name) {
    Objects.requireNonNull(d, name);
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(name + " must be positive, got " + d);
    }
    return d;
  }

  /** Settings of a {@link KvClient}. */
  public static final class Builder {
    private final Channel channel;
    private Duration deadline = DEFAULT_DEADLINE;
    private int readAttempts = DEFAULT_READ_ATTEMPTS;
    private Duration readBackoff = DEFAULT_READ_BACKOFF;

    private Builder(Channel channel) {
      this.channel = Objects.requireNonNull(channel, "channel");
    }

    /** The deadline of each call (default 10 s). */
    public Builder deadline(Duration deadline) {
      this.deadline = positive(deadline, "deadline");
      return this;
    }

    /** Attempts of a read that meets UNAVAILABLE, the first included (default 3; 1 disables retries). */
    public Builder readAttempts(int attempts) {
      if (attempts < 1) {
        throw new IllegalArgumentException("readAttempts must be >= 1, got " + attempts);
      }
      this.readAttempts = attempts;
      return this;
    }

    /** The pause before the first read retry, doubled for each further one, with jitter (default 50 ms). */
    public Builder readBackoff(Duration backoff) {
      Objects.requireNonNull(backoff, "backoff");
      if (backoff.isNegative()) {
        throw new IllegalArgumentException("readBackoff must not be negative, got " + backoff);
      }
      this.readBackoff = backoff;
      return this;
    }

    public KvClient build() {
      return new KvClient(KvServiceGrpc.newBlockingStub(channel), KvServiceGrpc.newStub(channel),
          EntityServiceGrpc.newBlockingStub(channel), deadline, readAttempts, readBackoff);
    }
  }
}
