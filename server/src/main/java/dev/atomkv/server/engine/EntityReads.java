package dev.atomkv.server.engine;

import dev.atomkv.server.model.ErrorKind;
import dev.atomkv.server.model.JsonValue;
import dev.atomkv.server.model.Key;
import dev.atomkv.server.model.KvException;
import dev.atomkv.server.model.RequestValidator;
import dev.atomkv.server.model.Where;
import dev.atomkv.server.model.entity.EntityDefinition;
import dev.atomkv.server.model.entity.EntityIndex;
import dev.atomkv.server.model.entity.EntityKeys;
import dev.atomkv.server.model.entity.IndexRange;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The reads of custom entities every edge answers with (gRPC's EntityService, the console):
 * definitions, and a query as one bounded range read of an index, with the same checks, limits
 * and messages wherever it is asked.
 */
public final class EntityReads {
  /** Index entries one query page examines at most, so a selective filter cannot make it long. */
  public static final int MAX_EXAMINED = 1000;

  /**
   * A query of one index.
   *
   * @param partition one value per partition attribute of the index
   * @param op null for the whole partition
   * @param operands what {@code op} compares with
   * @param cursor a previous page's cursor, or empty
   * @param filter null for none
   * @param limit as requested: 0 for the default, else 1 to --max-list-limit
   */
  public record Query(String entity, String index, List<JsonValue> partition, IndexRange.Op op,
      List<JsonValue> operands, boolean reverse, String cursor, Where filter, int limit) {}

  /**
   * A page of results: entries keyed by the documents' own keys (encoded); the cursor is empty
   * when nothing remains.
   */
  public record Page(int results, String cursor) {}

  /**
   * Sizes a result as the edge will send it (and may keep it): {@code documentKey} is the
   * document's key, already decoded from the index entry, and {@code entry} the index entry, whose
   * value, versionstamp and expiry are the document's. Handing over the decoded key spares the
   * edge an encode and a decode per result, most of what a query costs beyond a List.
   */
  @FunctionalInterface
  public interface ResultSizer {
    long size(Key documentKey, StoredEntry entry);
  }

  private EntityReads() {}

  /** What every edge says of an entity that has no definition. */
  public static String notDefined(String entity) {
    return "entity " + entity + " is not defined";
  }

  /** The stored definition of {@code entity}; null when it is not defined. */
  public static StoredEntry definition(KvEngine reader, String entity) {
    EntityDefinition.checkName(entity);
    return reader.get(List.of(EntityKeys.definition(entity))).get(0);
  }

  /** Every stored definition, by name, read a page at a time within {@code maxBytes} each. */
  public static List<StoredEntry> definitions(KvEngine reader, long maxBytes) {
    List<StoredEntry> all = new ArrayList<>();
    byte[] start = EntityKeys.definitionsStart();
    while (true) {
      ListPage page = reader.list(start, EntityKeys.definitionsEnd(), false, 1000, maxBytes,
          e -> e.value().payload().length);
      all.addAll(page.entries());
      if (!page.more() || page.entries().isEmpty()) {
        return all;
      }
      byte[] last = page.entries().get(page.entries().size() - 1).key();
      start = Arrays.copyOf(last, last.length + 1);
    }
  }

  /**
   * Runs {@code q} over the definition {@code stored}: one snapshot read of at most
   * {@link #MAX_EXAMINED} index entries. {@code sizer} sizes a result as the edge will send it;
   * the results stop before they would add up past {@code maxBytes}.
   */
  public static Page query(KvEngine reader, StoredEntry stored, Query q,
      RequestValidator validator, long maxBytes, ResultSizer sizer) {
    EntityDefinition def = EntityDefinition.decode(stored.value().payload());
    EntityIndex index = def.index(q.index());
    if (index == null) {
      throw KvException.invalid("entity " + def.name() + " has no index " + q.index());
    }
    if (def.isBuilding(index.name())) {
      throw new KvException(ErrorKind.FAILED_PRECONDITION, "index " + index.name()
          + " of entity " + def.name() + " is BUILDING: it cannot be queried until it is READY");
    }
    int limit = validator.listLimit(q.limit());
    IndexRange range = IndexRange.resolve(def, index, q.partition(), q.op(), q.operands(),
        q.reverse(), q.cursor());
    return page(reader, range, q.filter(), limit, q.reverse(), maxBytes, sizer);
  }

  /**
   * The sizer sees the entries in order: it sorts out the matches, and once {@code limit} of them
   * are kept it answers a size no budget holds, which ends the read there (with more=true when
   * entries remain).
   */
  private static Page page(KvEngine reader, IndexRange range, Where filter, int limit,
      boolean reverse, long maxBytes, ResultSizer sizer) {
    int[] results = {0};
    ListPage page = reader.list(range.start(), range.end(), reverse, MAX_EXAMINED,
        Math.max(1, maxBytes), e -> {
          if (results[0] >= limit) {
            return Long.MAX_VALUE;
          }
          if (filter != null && !filter.matchesStored(e.value())) {
            return e.key().length + e.value().payload().length; // examined: bounded all the same
          }
          results[0]++;
          return sizer.size(range.documentKey(e.key()), e);
        });
    String cursor = page.more() && !page.entries().isEmpty()
        ? range.cursorAfter(page.entries().get(page.entries().size() - 1).key()) : "";
    return new Page(results[0], cursor);
  }
}
