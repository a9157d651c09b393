package dev.atomkv.client;

import dev.atomkv.proto.v1.Attribute;
import dev.atomkv.proto.v1.AttributeType;
import dev.atomkv.proto.v1.DefineEntityRequest;
import dev.atomkv.proto.v1.DropEntityRequest;
import dev.atomkv.proto.v1.EntityDefinition;
import dev.atomkv.proto.v1.EntityIndex;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * One custom entity (Forge's Custom Entity Store). Documents are written with {@link
 * KvClient#atomic()} and its entity overloads, so they join transactions with plain keys and with
 * other entities; they are read with {@link #query()}.
 *
 * <pre>{@code
 * KvEntity employees = kv.entity("employee");
 * employees.define(KvEntity.schema()
 *     .attribute("name", "string").attribute("age", "integer").attribute("team", "string")
 *     .index("by-age", "age")
 *     .index("by-team-age", "age", "team"));
 * kv.atomic().set("employee", Key.of("e1"), KvValue.json(Map.of("name", "Ada", "age", 36)))
 *     .commit();
 * }</pre>
 */
public final class KvEntity {
  private final KvClient client;
  private final String name;

  KvEntity(KvClient client, String name) {
    this.client = client;
    this.name = Objects.requireNonNull(name, "name");
  }

  public String name() {
    return name;
  }

  /** A new query over one of this entity's indexes. */
  public EntityQuery query() {
    return new EntityQuery(client, name);
  }

  /** An empty schema to {@link #define} an entity with. */
  public static Schema schema() {
    return new Schema();
  }

  /**
   * Creates or replaces the definition; returns the stored version (1 when new). The server
   * refuses a definition that breaks a naming rule or type limit (INVALID_ARGUMENT naming it), and
   * index changes while the entity holds documents (FAILED_PRECONDITION).
   */
  public long define(Schema schema) {
    EntityDefinition d = schema.builder.clone().setName(name).build();
    return client.entityCall(s -> s.defineEntity(DefineEntityRequest.newBuilder()
        .setDefinition(d).build())).getDefinition().getVersion();
  }

  /**
   * Removes the definition; false when it was not defined. Refused (FAILED_PRECONDITION) while the
   * entity holds documents.
   */
  public boolean drop() {
    return client.entityCall(s -> s.dropEntity(DropEntityRequest.newBuilder().setName(name)
        .build())).getDropped();
  }

  /** Attributes and indexes of an entity, built up for {@link #define}. */
  public static final class Schema {
    private final EntityDefinition.Builder builder = EntityDefinition.newBuilder();

    private Schema() {}

    /** An attribute of type string, integer, float, boolean or any. */
    public Schema attribute(String name, String type) {
      AttributeType t;
      try {
        t = AttributeType.valueOf("ATTRIBUTE_TYPE_" + type.toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("unknown attribute type " + type
            + " (string, integer, float, boolean or any)", e);
      }
      builder.addAttributes(Attribute.newBuilder().setName(name).setType(t));
      return this;
    }

    /** An index ranging over {@code range}, split by the {@code partition} attributes. */
    public Schema index(String name, String range, String... partition) {
      builder.addIndexes(EntityIndex.newBuilder().setName(name).setRange(range)
          .addAllPartition(List.of(partition)));
      return this;
    }
  }
}
