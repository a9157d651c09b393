package dev.atomkv.server.api;

import com.google.protobuf.CodedOutputStream;
import dev.atomkv.proto.v1.Consistency;
import dev.atomkv.proto.v1.DefineEntityRequest;
import dev.atomkv.proto.v1.DefineEntityResponse;
import dev.atomkv.proto.v1.DropEntityRequest;
import dev.atomkv.proto.v1.DropEntityResponse;
import dev.atomkv.proto.v1.EntityServiceGrpc;
import dev.atomkv.proto.v1.Entry;
import dev.atomkv.proto.v1.GetEntityRequest;
import dev.atomkv.proto.v1.GetEntityResponse;
import dev.atomkv.proto.v1.ListEntitiesRequest;
import dev.atomkv.proto.v1.ListEntitiesResponse;
import dev.atomkv.proto.v1.QueryRequest;
import dev.atomkv.proto.v1.QueryResponse;
import dev.atomkv.proto.v1.SortOrder;
import dev.atomkv.server.document.ProtoDocuments;
import dev.atomkv.server.engine.KvEngine;
import dev.atomkv.server.engine.ListPage;
import dev.atomkv.server.engine.StoredEntry;
import dev.atomkv.server.tenant.TenantEngines;
import dev.atomkv.server.model.AtomicWrite;
import dev.atomkv.server.model.Check;
import dev.atomkv.server.model.ErrorKind;
import dev.atomkv.server.model.KeyCodec;
import dev.atomkv.server.model.KvException;
import dev.atomkv.server.model.Limits;
import dev.atomkv.server.model.Mutation;
import dev.atomkv.server.model.RequestValidator;
import dev.atomkv.server.model.Value;
import dev.atomkv.server.model.Where;
import dev.atomkv.server.model.entity.EntityDefinition;
import dev.atomkv.server.model.entity.EntityIndex;
import dev.atomkv.server.model.entity.EntityKeys;
import dev.atomkv.server.model.entity.IndexRange;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

/**
 * Custom entities at the gRPC edge. Definitions are written as ordinary atomic requests on their
 * internal keys, so the engine (and a cluster's replicated log) handles them as any other write;
 * a query is one range read of an index, whose entries carry the documents.
 */
public final class EntityGrpcService extends EntityServiceGrpc.EntityServiceImplBase {
  /** Index entries one query page examines at most, so a selective filter cannot make it long. */
  public static final int MAX_EXAMINED = 1000;
  /** Room left in a response for its cursor and framing. */
  private static final int RESPONSE_RESERVE = 8192;

  private final TenantEngines engines;
  private final Limits limits;
  private final RequestValidator validator;
  private final Executor responseExecutor;

  /** @param responseExecutor where answers to definition writes are sent from */
  public EntityGrpcService(TenantEngines engines, Limits limits, Executor responseExecutor) {
    this.engines = engines;
    this.responseExecutor = responseExecutor;
    this.limits = limits;
    this.validator = new RequestValidator(limits);
  }

  @Override
  public void defineEntity(DefineEntityRequest req, StreamObserver<DefineEntityResponse> out) {
    try {
      EntityDefinition def = EntityProtoMapper.toModel(req.getDefinition());
      byte[] key = EntityKeys.definition(def.name());
      // The answer is read on the response executor, where the call's tenant is not known:
      // the tenant's engine is taken here.
      KvEngine engine = engine();
      StoredEntry current = engine.get(List.of(key)).get(0);
      long currentVersion = current == null ? 0
          : EntityDefinition.decode(current.value().payload()).version();
      if (req.getExpectedVersion() != 0 && req.getExpectedVersion() != currentVersion) {
        throw new KvException(ErrorKind.FAILED_PRECONDITION, "entity " + def.name()
            + " is at version " + currentVersion + ", not " + req.getExpectedVersion());
      }
      commitUnchanged(def.name(), current, Mutation.set(key, Value.bytes(def.encode())), out,
          () -> DefineEntityResponse.newBuilder().setDefinition(
              EntityProtoMapper.toProto(engine.get(List.of(key)).get(0))).build());
    } catch (RuntimeException e) {
      out.onError(StatusMapper.toStatus(e));
    }
  }

  @Override
  public void getEntity(GetEntityRequest req, StreamObserver<GetEntityResponse> out) {
    try {
      EntityDefinition.checkName(req.getName());
      StoredEntry stored = reader(req.getConsistency())
          .get(List.of(EntityKeys.definition(req.getName()))).get(0);
      if (stored == null) {
        out.onError(notDefined(req.getName()));
        return;
      }
      out.onNext(GetEntityResponse.newBuilder()
          .setDefinition(EntityProtoMapper.toProto(stored)).build());
      out.onCompleted();
    } catch (RuntimeException e) {
      out.onError(StatusMapper.toStatus(e));
    }
  }

  @Override
  public void listEntities(ListEntitiesRequest req, StreamObserver<ListEntitiesResponse> out) {
    try {
      ListEntitiesResponse.Builder resp = ListEntitiesResponse.newBuilder();
      byte[] start = EntityKeys.definitionsStart();
      KvEngine reader = reader(req.getConsistency());
      while (true) {
        ListPage page = reader.list(start, EntityKeys.definitionsEnd(), false, 1000,
            limits.maxResponseBytes(), e -> e.value().payload().length);
        for (StoredEntry e : page.entries()) {
          resp.addDefinitions(EntityProtoMapper.toProto(e));
        }
        if (!page.more() || page.entries().isEmpty()) {
          break;
        }
        byte[] last = page.entries().get(page.entries().size() - 1).key();
        start = java.util.Arrays.copyOf(last, last.length + 1);
      }
      out.onNext(resp.build());
      out.onCompleted();
    } catch (RuntimeException e) {
      out.onError(StatusMapper.toStatus(e));
    }
  }

  @Override
  public void dropEntity(DropEntityRequest req, StreamObserver<DropEntityResponse> out) {
    try {
      EntityDefinition.checkName(req.getName());
      byte[] key = EntityKeys.definition(req.getName());
      StoredEntry current = engine().get(List.of(key)).get(0);
      if (current == null) {
        out.onNext(DropEntityResponse.newBuilder().setDropped(false).build());
        out.onCompleted();
        return;
      }
      commitUnchanged(req.getName(), current, Mutation.delete(key), out,
          () -> DropEntityResponse.newBuilder().setDropped(true).build());
    } catch (RuntimeException e) {
      out.onError(StatusMapper.toStatus(e));
    }
  }

  /**
   * Commits {@code m} provided the definition is still as {@code read}, then answers with what
   * {@code answer} builds; a definition changed in between is FAILED_PRECONDITION. The answer is
   * sent from the response executor, so no call thread waits for the writer.
   */
  private <T> void commitUnchanged(String entity, StoredEntry read, Mutation m,
      StreamObserver<T> out, Supplier<T> answer) {
    byte[] key = m.key();
    Check unchanged = read == null ? Check.absent(key) : Check.versionstamp(key, read.versionstamp());
    engine().commit(new AtomicWrite(List.of(unchanged), List.of(m))).whenCompleteAsync(
        (result, failure) -> {
          try {
            if (failure != null) {
              out.onError(StatusMapper.toStatus(failure));
            } else if (!result.ok()) {
              out.onError(StatusMapper.toStatus(new KvException(ErrorKind.FAILED_PRECONDITION,
                  "entity " + entity + " was changed concurrently: read it again and retry")));
            } else {
              out.onNext(answer.get());
              out.onCompleted();
            }
          } catch (RuntimeException e) {
            out.onError(StatusMapper.toStatus(e));
          }
        }, responseExecutor);
  }

  @Override
  public void query(QueryRequest req, StreamObserver<QueryResponse> out) {
    try {
      EntityDefinition.checkName(req.getEntity());
      KvEngine reader = reader(req.getConsistency());
      StoredEntry stored = reader.get(List.of(EntityKeys.definition(req.getEntity()))).get(0);
      if (stored == null) {
        out.onError(notDefined(req.getEntity()));
        return;
      }
      EntityDefinition def = EntityDefinition.decode(stored.value().payload());
      EntityIndex index = def.index(req.getIndex());
      if (index == null) {
        throw KvException.invalid("entity " + def.name() + " has no index " + req.getIndex());
      }
      if (def.isBuilding(index.name())) {
        throw new KvException(ErrorKind.FAILED_PRECONDITION, "index " + index.name()
            + " of entity " + def.name() + " is BUILDING: it cannot be queried until it is READY");
      }
      int limit = validator.listLimit(req.getLimit());
      boolean reverse = req.getSort() == SortOrder.SORT_ORDER_DESC;
      IndexRange range = IndexRange.resolve(def, index,
          ProtoDocuments.toJson(req.getPartitionList()),
          req.hasWhere() ? EntityProtoMapper.operator(req.getWhere().getOp()) : null,
          req.hasWhere() ? ProtoDocuments.toJson(req.getWhere().getValuesList()) : List.of(),
          reverse, req.getCursor());
      Where filter = req.hasFilter() ? AtomicRequestMapper.where(req.getFilter(), "filter") : null;
      out.onNext(page(reader, range, filter, limit, reverse));
      out.onCompleted();
    } catch (RuntimeException e) {
      out.onError(StatusMapper.toStatus(e));
    }
  }

  /**
   * One snapshot read of at most {@link #MAX_EXAMINED} entries. The sizer sees the entries in
   * order: it sorts out the matches, and once {@code limit} of them are kept it answers a size no
   * budget holds, which ends the read there (with more=true when entries remain).
   */
  private QueryResponse page(KvEngine reader, IndexRange range, Where filter, int limit,
      boolean reverse) {
    List<Entry> results = new ArrayList<>();
    long maxBytes = Math.max(1, limits.maxResponseBytes() - RESPONSE_RESERVE);
    ListPage page = reader.list(range.start(), range.end(), reverse, MAX_EXAMINED, maxBytes, e -> {
      if (results.size() >= limit) {
        return Long.MAX_VALUE;
      }
      if (filter != null && !filter.matchesStored(e.value())) {
        return e.key().length + e.value().payload().length; // examined: bounded all the same
      }
      Entry entry = ProtoMapper.toProtoEntry(new StoredEntry(
          KeyCodec.encode(range.documentKey(e.key())), e.value(), e.versionstamp(),
          e.expiresAtMs()));
      results.add(entry);
      return CodedOutputStream.computeMessageSize(1, entry);
    });
    QueryResponse.Builder resp = QueryResponse.newBuilder().addAllResults(results);
    if (page.more() && !page.entries().isEmpty()) {
      resp.setCursor(range.cursorAfter(page.entries().get(page.entries().size() - 1).key()));
    }
    return resp.build();
  }

  private static io.grpc.StatusRuntimeException notDefined(String entity) {
    return Status.NOT_FOUND.withDescription("entity " + entity + " is not defined")
        .asRuntimeException();
  }

  private KvEngine reader(Consistency consistency) {
    return consistency == Consistency.CONSISTENCY_EVENTUAL ? engine().eventualReads() : engine();
  }

  /** The engine of the calling tenant. */
  private KvEngine engine() {
    return engines.of(CallPrincipal.tenant());
  }
}
