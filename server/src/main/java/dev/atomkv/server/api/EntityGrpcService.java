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
import dev.atomkv.server.engine.EntityReads;
import dev.atomkv.server.engine.KvEngine;
import dev.atomkv.server.engine.StoredEntry;
import dev.atomkv.server.tenant.TenantEngines;
import dev.atomkv.server.model.AtomicWrite;
import dev.atomkv.server.model.Check;
import dev.atomkv.server.model.ErrorKind;
import dev.atomkv.server.model.KvException;
import dev.atomkv.server.model.Limits;
import dev.atomkv.server.model.Mutation;
import dev.atomkv.server.model.RequestValidator;
import dev.atomkv.server.model.Value;
import dev.atomkv.server.model.entity.EntityDefinition;
import dev.atomkv.server.model.entity.EntityKeys;
import dev.atomkv.server.tenant.RateLimiter;
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
  /** Room left in a response for its cursor and framing. */
  private static final int RESPONSE_RESERVE = 8192;

  private final TenantEngines engines;
  private final Limits limits;
  private final RequestValidator validator;
  private final Executor responseExecutor;
  private final RateGate gate;

  /**
   * @param responseExecutor where answers to definition writes are sent from
   * @param rateLimiter the tenants' rate limits, asked before any call reaches the engine
   */
  public EntityGrpcService(TenantEngines engines, Limits limits, Executor responseExecutor,
      RateLimiter rateLimiter) {
    this.engines = engines;
    this.gate = new RateGate(rateLimiter);
    this.responseExecutor = responseExecutor;
    this.limits = limits;
    this.validator = new RequestValidator(limits);
  }

  @Override
  public void defineEntity(DefineEntityRequest req, StreamObserver<DefineEntityResponse> out) {
    try {
      gate.write(req.getSerializedSize());
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
      gate.read();
      EntityDefinition.checkName(req.getName());
      StoredEntry stored = reader(req.getConsistency())
          .get(List.of(EntityKeys.definition(req.getName()))).get(0);
      if (stored == null) {
        out.onError(notDefined(req.getName()));
        return;
      }
      GetEntityResponse resp = GetEntityResponse.newBuilder()
          .setDefinition(EntityProtoMapper.toProto(stored)).build();
      gate.readReturned(resp.getSerializedSize());
      out.onNext(resp);
      out.onCompleted();
    } catch (RuntimeException e) {
      out.onError(StatusMapper.toStatus(e));
    }
  }

  @Override
  public void listEntities(ListEntitiesRequest req, StreamObserver<ListEntitiesResponse> out) {
    try {
      gate.read();
      ListEntitiesResponse.Builder resp = ListEntitiesResponse.newBuilder();
      for (StoredEntry e : EntityReads.definitions(reader(req.getConsistency()),
          limits.maxResponseBytes())) {
        resp.addDefinitions(EntityProtoMapper.toProto(e));
      }
      ListEntitiesResponse built = resp.build();
      gate.readReturned(built.getSerializedSize());
      out.onNext(built);
      out.onCompleted();
    } catch (RuntimeException e) {
      out.onError(StatusMapper.toStatus(e));
    }
  }

  @Override
  public void dropEntity(DropEntityRequest req, StreamObserver<DropEntityResponse> out) {
    try {
      gate.write(req.getSerializedSize());
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
      gate.read();
      KvEngine reader = reader(req.getConsistency());
      StoredEntry stored = EntityReads.definition(reader, req.getEntity());
      if (stored == null) {
        out.onError(notDefined(req.getEntity()));
        return;
      }
      // Read only once the definition exists: a query of an entity that does not exist is
      // NOT_FOUND whatever else is wrong with it.
      EntityReads.Query q = new EntityReads.Query(req.getEntity(), req.getIndex(),
          ProtoDocuments.toJson(req.getPartitionList()),
          req.hasWhere() ? EntityProtoMapper.operator(req.getWhere().getOp()) : null,
          req.hasWhere() ? ProtoDocuments.toJson(req.getWhere().getValuesList()) : List.of(),
          req.getSort() == SortOrder.SORT_ORDER_DESC, req.getCursor(),
          req.hasFilter() ? AtomicRequestMapper.where(req.getFilter(), "filter") : null,
          req.getLimit());
      List<Entry> results = new ArrayList<>();
      EntityReads.Page page = EntityReads.query(reader, stored, q, validator,
          limits.maxResponseBytes() - RESPONSE_RESERVE, (documentKey, e) -> {
            Entry entry = ProtoMapper.toProtoEntry(ProtoMapper.toProtoKey(documentKey), e);
            results.add(entry);
            return CodedOutputStream.computeMessageSize(1, entry);
          });
      QueryResponse answer = QueryResponse.newBuilder().addAllResults(results)
          .setCursor(page.cursor()).build();
      gate.readReturned(answer.getSerializedSize());
      out.onNext(answer);
      out.onCompleted();
    } catch (RuntimeException e) {
      out.onError(StatusMapper.toStatus(e));
    }
  }

  private static io.grpc.StatusRuntimeException notDefined(String entity) {
    return Status.NOT_FOUND.withDescription(EntityReads.notDefined(entity))
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
