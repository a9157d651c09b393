package dev.atomkv.client;

import dev.atomkv.proto.v1.QueryRequest;
import dev.atomkv.proto.v1.QueryResponse;
import dev.atomkv.proto.v1.SortOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A query over one index of a custom entity (Forge's {@code kvs.entity(..).query()}), read a page
 * at a time:
 *
 * <pre>{@code
 * EntityQuery.Page page = kv.entity("employee").query()
 *     .index("by-team-age", "core")          // the index, and its partition values
 *     .where(RangeCondition.greaterThan(30))
 *     .filter(Filter.and("active", Condition.equalTo(true)))
 *     .sort(EntityQuery.Sort.DESC)
 *     .limit(20)
 *     .page();
 * // page.results(); page.cursor() continues with .cursor(page.cursor()).page()
 * }</pre>
 *
 * <p>Not thread-safe; each {@link #page()} sends the query as built so far.
 */
public final class EntityQuery {
  /** Result order: by the range attribute, then by document key. */
  public enum Sort { ASC, DESC }

  /**
   * One page of results.
   *
   * @param results the documents, keyed as written (without the entity)
   * @param cursor continues the query; null when nothing remains
   */
  public record Page(List<KvEntry> results, String cursor) {
    public Page {
      results = List.copyOf(results);
    }
  }

  private final KvClient client;
  private final QueryRequest.Builder request = QueryRequest.newBuilder();

  EntityQuery(KvClient client, String entity) {
    this.client = client;
    request.setEntity(Objects.requireNonNull(entity, "entity"));
  }

  /** The index to read, with one value per partition attribute of the index, in its order. */
  public EntityQuery index(String name, Object... partition) {
    request.setIndex(Objects.requireNonNull(name, "name")).clearPartition();
    for (Object p : partition) {
      request.addPartition(Json.toValue(Objects.requireNonNull(p, "partition value")));
    }
    return this;
  }

  public EntityQuery where(RangeCondition condition) {
    request.setWhere(condition.toProto());
    return this;
  }

  /** Further conditions on each document; documents it rejects still count as examined. */
  public EntityQuery filter(Filter filter) {
    request.setFilter(ProtoMapping.toProto(Objects.requireNonNull(filter, "filter")));
    return this;
  }

  public EntityQuery sort(Sort sort) {
    request.setSort(sort == Sort.DESC ? SortOrder.SORT_ORDER_DESC : SortOrder.SORT_ORDER_ASC);
    return this;
  }

  /** Results per page, 1..1000 (the server's default is 100). */
  public EntityQuery limit(int limit) {
    request.setLimit(limit);
    return this;
  }

  /** Continue after a previous page: its {@link Page#cursor()}, or null to start over. */
  public EntityQuery cursor(String cursor) {
    request.setCursor(cursor == null ? "" : cursor);
    return this;
  }

  public EntityQuery consistency(Consistency consistency) {
    request.setConsistency(consistency.toProto());
    return this;
  }

  /**
   * Reads one page. A page may hold fewer results than the limit (even none) and still have a
   * cursor: the server examines at most 1000 index entries per page.
   */
  public Page page() {
    QueryResponse response = client.query(request.build());
    List<KvEntry> results = new ArrayList<>(response.getResultsCount());
    response.getResultsList().forEach(e -> results.add(ProtoMapping.fromProto(e, null)));
    return new Page(results, response.getCursor().isEmpty() ? null : response.getCursor());
  }
}
