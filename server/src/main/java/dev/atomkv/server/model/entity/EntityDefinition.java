package dev.atomkv.server.model.entity;

import dev.atomkv.server.model.JsonValue;
import dev.atomkv.server.model.Key;
import dev.atomkv.server.model.KeyCodec;
import dev.atomkv.server.model.KeyPart;
import dev.atomkv.server.model.KvException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A custom entity: named, typed attributes and the indexes queries run on. Forge's naming rules
 * apply; {@link #of} refuses a definition that breaks one with INVALID_ARGUMENT naming it.
 *
 * @param version 1 for the first definition, one more at each redefinition (0 before it is
 *     stored: the commit that stores it assigns the version)
 * @param attributes in definition order
 * @param building the indexes still being built over documents stored before they were defined,
 *     each with the key of the last document the builder has indexed (empty before the first);
 *     every other index is ready
 */
public record EntityDefinition(String name, long version, Map<String, AttributeType> attributes,
    List<EntityIndex> indexes, Map<String, byte[]> building) {

  public static final int MIN_NAME_LENGTH = 3;
  public static final int MAX_NAME_LENGTH = 60;
  public static final int MAX_ATTRIBUTE_NAME_LENGTH = 64;
  public static final int MAX_ATTRIBUTES = 100;
  public static final int MAX_INDEX_NAME_LENGTH = 50;
  public static final int MAX_INDEXES = 7;
  public static final int MAX_PARTITION_ATTRIBUTES = 4;

  private static final Pattern ENTITY_NAME = Pattern.compile("[a-z0-9:\\-_.]+");
  private static final Pattern ATTRIBUTE_NAME = Pattern.compile("[_A-Za-z][_0-9A-Za-z]*");
  private static final Pattern INDEX_NAME = Pattern.compile("[a-z0-9:\\-_.]+");

  public EntityDefinition {
    attributes = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(attributes));
    indexes = List.copyOf(indexes);
    building = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(building));
  }

  /** A definition whose indexes are all ready. */
  public EntityDefinition(String name, long version, Map<String, AttributeType> attributes,
      List<EntityIndex> indexes) {
    this(name, version, attributes, indexes, Map.of());
  }

  /** A validated definition, not yet stored (version 0). */
  public static EntityDefinition of(String name, Map<String, AttributeType> attributes,
      List<EntityIndex> indexes) {
    checkName(name);
    if (attributes.isEmpty()) {
      throw KvException.invalid("entity " + name + " needs at least one attribute");
    }
    if (attributes.size() > MAX_ATTRIBUTES) {
      throw KvException.invalid("entity " + name + " has too many attributes (max "
          + MAX_ATTRIBUTES + ")");
    }
    for (String a : attributes.keySet()) {
      if (a.length() > MAX_ATTRIBUTE_NAME_LENGTH) {
        throw KvException.invalid("attribute name " + a + " is too long (max "
            + MAX_ATTRIBUTE_NAME_LENGTH + " characters)");
      }
      if (!ATTRIBUTE_NAME.matcher(a).matches()) {
        throw KvException.invalid("attribute name " + quote(a)
            + " must match [_A-Za-z][_0-9A-Za-z]*");
      }
    }
    if (indexes.size() > MAX_INDEXES) {
      throw KvException.invalid("entity " + name + " has too many indexes (max " + MAX_INDEXES
          + ")");
    }
    Set<String> indexNames = new HashSet<>();
    for (EntityIndex index : indexes) {
      checkIndex(index, attributes);
      if (!indexNames.add(index.name())) {
        throw KvException.invalid("index name " + index.name() + " is used twice");
      }
    }
    return new EntityDefinition(name, 0, attributes, indexes);
  }

  /** Checks an entity name against Forge's rules. */
  public static void checkName(String name) {
    if (name.length() < MIN_NAME_LENGTH) {
      throw KvException.invalid("entity name " + quote(name) + " is too short (min "
          + MIN_NAME_LENGTH + " characters)");
    }
    if (name.length() > MAX_NAME_LENGTH) {
      throw KvException.invalid("entity name " + name.substring(0, 20) + "... is too long (max "
          + MAX_NAME_LENGTH + " characters)");
    }
    if (!ENTITY_NAME.matcher(name).matches()) {
      throw KvException.invalid("entity name " + quote(name)
          + " may only contain the characters a-z 0-9 : - _ .");
    }
  }

  private static void checkIndex(EntityIndex index, Map<String, AttributeType> attributes) {
    String n = index.name();
    if (n.isEmpty() || n.length() > MAX_INDEX_NAME_LENGTH) {
      throw KvException.invalid("index name " + quote(n) + " must have 1 to "
          + MAX_INDEX_NAME_LENGTH + " characters");
    }
    if (!INDEX_NAME.matcher(n).matches()) {
      throw KvException.invalid("index name " + quote(n)
          + " may only contain the characters a-z 0-9 : - _ .");
    }
    AttributeType range = attributes.get(index.range());
    if (index.range().isEmpty()) {
      throw KvException.invalid("index " + n + " needs a range attribute");
    }
    if (range == null) {
      throw KvException.invalid("index " + n + ": range attribute " + index.range()
          + " is not an attribute of the entity");
    }
    if (!range.rangeIndexable()) {
      throw KvException.invalid("index " + n + ": range attribute " + index.range()
          + " is of type " + range.wireName() + " (a range must be string, integer or float)");
    }
    if (index.partition().size() > MAX_PARTITION_ATTRIBUTES) {
      throw KvException.invalid("index " + n + " has too many partition attributes (max "
          + MAX_PARTITION_ATTRIBUTES + ")");
    }
    Set<String> seen = new HashSet<>(List.of(index.range()));
    for (String p : index.partition()) {
      AttributeType t = attributes.get(p);
      if (t == null) {
        throw KvException.invalid("index " + n + ": partition attribute " + p
            + " is not an attribute of the entity");
      }
      if (!t.partitionIndexable()) {
        throw KvException.invalid("index " + n + ": partition attribute " + p
            + " is of type any, which cannot be indexed");
      }
      if (!seen.add(p)) {
        throw KvException.invalid("index " + n + " names attribute " + p + " twice");
      }
    }
  }

  public EntityIndex index(String indexName) {
    for (EntityIndex i : indexes) {
      if (i.name().equals(indexName)) {
        return i;
      }
    }
    return null;
  }

  public EntityDefinition withVersion(long newVersion) {
    return new EntityDefinition(name, newVersion, attributes, indexes, building);
  }

  /** This definition with the given build progress (replacing any it had). */
  public EntityDefinition withBuilding(Map<String, byte[]> newBuilding) {
    return new EntityDefinition(name, version, attributes, indexes, newBuilding);
  }

  /** Whether the index is still being built, so that its entries are not yet complete. */
  public boolean isBuilding(String indexName) {
    return building.containsKey(indexName);
  }

  /**
   * Whether {@code other} has index {@code i} (same name, partition and range) over attributes of
   * the same types, so that entries written under this definition stay right under the other.
   */
  public boolean keepsIndex(EntityIndex i, EntityDefinition other) {
    if (!i.equals(other.index(i.name()))) {
      return false;
    }
    for (String a : indexedAttributes(i)) {
      if (attributes.get(a) != other.attributes.get(a)) {
        return false;
      }
    }
    return true;
  }

  // ---- documents -------------------------------------------------------------------------------

  /**
   * Refuses a document that is not an object or whose defined attributes have values of another
   * type, naming the attribute. Attributes the entity does not define are stored untyped, and a
   * json null counts as absent.
   */
  public void checkDocument(JsonValue doc, String field) {
    if (!(doc instanceof JsonValue.Obj obj)) {
      throw KvException.invalid(field + ": a document of entity " + name
          + " must be a json object");
    }
    for (Map.Entry<String, AttributeType> a : attributes.entrySet()) {
      JsonValue v = obj.fields().get(a.getKey());
      if (v == null || v instanceof JsonValue.Null) {
        continue;
      }
      String problem = a.getValue().problem(v);
      if (problem != null) {
        throw KvException.invalid(field + ": attribute " + a.getKey() + " of entity " + name
            + " " + problem);
      }
    }
  }

  /**
   * The index entry keys of a (checked) document stored under {@code userKey}: one per index whose
   * attributes are all present (not absent, not null); a document lacking one is not in that
   * index, as in Forge.
   */
  public List<byte[]> indexKeys(byte[] userKey, JsonValue doc) {
    return indexKeys(indexes, userKey, doc);
  }

  /** As {@link #indexKeys(byte[], JsonValue)}, for the given indexes of this entity only. */
  public List<byte[]> indexKeys(List<EntityIndex> which, byte[] userKey, JsonValue doc) {
    Map<String, JsonValue> fields = ((JsonValue.Obj) doc).fields();
    List<byte[]> keys = new ArrayList<>(which.size());
    for (EntityIndex i : which) {
      List<KeyPart> parts = new ArrayList<>(i.partition().size() + 1);
      for (String a : indexedAttributes(i)) {
        JsonValue v = fields.get(a);
        if (v == null || v instanceof JsonValue.Null) {
          parts = null;
          break;
        }
        parts.add(attributes.get(a).indexPart(v));
      }
      if (parts != null) {
        keys.add(EntityKeys.concat(EntityKeys.concat(EntityKeys.indexPrefix(name, i.name()),
            KeyCodec.encode(new Key(parts))), userKey));
      }
    }
    return keys;
  }

  private static List<String> indexedAttributes(EntityIndex i) {
    List<String> all = new ArrayList<>(i.partition());
    all.add(i.range());
    return all;
  }

  // ---- storage ---------------------------------------------------------------------------------

  /**
   * The stored form: one tuple (the key codec's encoding, so no second format is needed) of
   * version, name, attribute count, (name, type) pairs, index count, and per index its name,
   * range and partition count followed by the partition attributes; then, when some index is
   * being built, the count of those and per index its name and progress (a definition stored
   * before indexes could be built ends after the indexes, and decodes as all ready).
   */
  public byte[] encode() {
    List<KeyPart> parts = new ArrayList<>();
    parts.add(KeyPart.Int.of(version));
    parts.add(new KeyPart.Text(name));
    parts.add(KeyPart.Int.of(attributes.size()));
    attributes.forEach((a, t) -> {
      parts.add(new KeyPart.Text(a));
      parts.add(new KeyPart.Text(t.wireName()));
    });
    parts.add(KeyPart.Int.of(indexes.size()));
    for (EntityIndex i : indexes) {
      parts.add(new KeyPart.Text(i.name()));
      parts.add(new KeyPart.Text(i.range()));
      parts.add(KeyPart.Int.of(i.partition().size()));
      i.partition().forEach(p -> parts.add(new KeyPart.Text(p)));
    }
    if (!building.isEmpty()) {
      parts.add(KeyPart.Int.of(building.size()));
      building.forEach((index, after) -> {
        parts.add(new KeyPart.Text(index));
        parts.add(new KeyPart.Bytes(after));
      });
    }
    return KeyCodec.encode(new Key(parts));
  }

  public static EntityDefinition decode(byte[] stored) {
    List<KeyPart> parts = KeyCodec.decode(stored).parts();
    int[] at = {0};
    long version = integer(parts, at);
    String name = text(parts, at);
    Map<String, AttributeType> attributes = new LinkedHashMap<>();
    for (long n = integer(parts, at); n > 0; n--) {
      String a = text(parts, at);
      attributes.put(a, AttributeType.named(text(parts, at)));
    }
    List<EntityIndex> indexes = new ArrayList<>();
    for (long n = integer(parts, at); n > 0; n--) {
      String index = text(parts, at);
      String range = text(parts, at);
      List<String> partition = new ArrayList<>();
      for (long p = integer(parts, at); p > 0; p--) {
        partition.add(text(parts, at));
      }
      indexes.add(new EntityIndex(index, partition, range));
    }
    Map<String, byte[]> building = new LinkedHashMap<>();
    if (at[0] < parts.size()) {
      for (long n = integer(parts, at); n > 0; n--) {
        String index = text(parts, at);
        building.put(index, ((KeyPart.Bytes) parts.get(at[0]++)).value());
      }
    }
    return new EntityDefinition(name, version, attributes, indexes, building);
  }

  private static long integer(List<KeyPart> parts, int[] at) {
    return ((KeyPart.Int) parts.get(at[0]++)).value().longValueExact();
  }

  private static String text(List<KeyPart> parts, int[] at) {
    return ((KeyPart.Text) parts.get(at[0]++)).value();
  }

  private static String quote(String s) {
    return "\"" + (s.length() > 70 ? s.substring(0, 70) + "..." : s) + "\"";
  }
}
