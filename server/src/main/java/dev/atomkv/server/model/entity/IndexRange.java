package dev.atomkv.server.model.entity;

import dev.atomkv.server.model.JsonValue;
import dev.atomkv.server.model.Key;
import dev.atomkv.server.model.KeyCodec;
import dev.atomkv.server.model.KeyPart;
import dev.atomkv.server.model.KvException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;

/**
 * A query over one index resolved to the byte range [start, end) of its entries (a cursor
 * applied), with the cursor that continues after a given entry. Every bound is built from the
 * tuple encoding of the partition values and the where operands, which sorts as the values do,
 * so each where operator is one contiguous range.
 *
 * @param prefix the index's key prefix (entity and index), which cursors are relative to
 * @param partitionCount how many partition values precede the range value in an entry key
 */
public record IndexRange(byte[] start, byte[] end, byte[] prefix, int partitionCount) {
  private static final Base64.Encoder CURSOR_ENCODER = Base64.getUrlEncoder();

  /** The range operators of a query's where condition (Forge's WhereConditions). */
  public enum Op { EQUAL_TO, BEGINS_WITH, BETWEEN, GREATER_THAN, GREATER_THAN_EQUAL_TO,
    LESS_THAN, LESS_THAN_EQUAL_TO }

  /**
   * @param op null for the whole partition
   * @param operands what {@code op} compares with (2 for BETWEEN, else 1)
   * @param cursor a previous page's cursor, or empty
   */
  public static IndexRange resolve(EntityDefinition def, EntityIndex index,
      List<JsonValue> partition, Op op, List<JsonValue> operands, boolean reverse,
      String cursor) {
    if (partition.size() != index.partition().size()) {
      throw KvException.invalid("index " + index.name() + " needs " + index.partition().size()
          + " partition value(s), got " + partition.size());
    }
    List<KeyPart> parts = new ArrayList<>();
    for (int i = 0; i < partition.size(); i++) {
      String attribute = index.partition().get(i);
      parts.add(part(def.attributes().get(attribute), partition.get(i),
          "partition value " + i + " (attribute " + attribute + ")"));
    }
    byte[] prefix = EntityKeys.indexPrefix(def.name(), index.name());
    byte[] base = EntityKeys.concat(prefix, KeyCodec.encode(new Key(parts)));
    byte[] start = base;
    byte[] end = after(base);
    if (op != null) {
      AttributeType type = def.attributes().get(index.range());
      int want = op == Op.BETWEEN ? 2 : 1;
      if (operands.size() != want) {
        throw KvException.invalid("where " + op + " takes " + want + " value(s), got "
            + operands.size());
      }
      if (op == Op.BEGINS_WITH && type != AttributeType.STRING) {
        throw KvException.invalid("where BEGINS_WITH needs a string range attribute; "
            + index.range() + " is of type " + type.wireName());
      }
      byte[] v = EntityKeys.concat(base, encode(part(type, operands.get(0),
          "where value (attribute " + index.range() + ")")));
      switch (op) {
        case EQUAL_TO -> {
          start = v;
          end = after(v);
        }
        case BEGINS_WITH -> {
          // The encoded string without its terminating 0x00: every longer string extends it.
          start = Arrays.copyOf(v, v.length - 1);
          end = after(start);
        }
        case BETWEEN -> {
          start = v;
          end = after(EntityKeys.concat(base, encode(part(type, operands.get(1),
              "where value 1 (attribute " + index.range() + ")"))));
        }
        case GREATER_THAN -> start = after(v);
        case GREATER_THAN_EQUAL_TO -> start = v;
        case LESS_THAN -> end = v;
        case LESS_THAN_EQUAL_TO -> end = after(v);
        default -> throw new IllegalStateException("unknown operator " + op);
      }
    }
    if (Arrays.compareUnsigned(start, end) > 0) {
      end = start; // a BETWEEN with a > b: nothing
    }
    if (!cursor.isEmpty()) {
      byte[] last;
      try {
        last = EntityKeys.concat(prefix, Base64.getUrlDecoder().decode(cursor));
      } catch (IllegalArgumentException e) {
        throw KvException.invalid("invalid cursor");
      }
      if (Arrays.compareUnsigned(last, start) < 0 || Arrays.compareUnsigned(last, end) >= 0) {
        throw KvException.invalid("cursor out of bounds");
      }
      if (reverse) {
        end = last;
      } else {
        start = Arrays.copyOf(last, last.length + 1); // the least key after it
      }
    }
    return new IndexRange(start, end, prefix, index.partition().size());
  }

  /** The cursor that continues after the entry {@code entryKey}. */
  public String cursorAfter(byte[] entryKey) {
    return CURSOR_ENCODER.encodeToString(
        Arrays.copyOfRange(entryKey, prefix.length, entryKey.length));
  }

  /** The document key an entry of this index ends with. */
  public Key documentKey(byte[] entryKey) {
    return EntityKeys.indexedDocument(entryKey, prefix.length, partitionCount);
  }

  private static KeyPart part(AttributeType type, JsonValue v, String what) {
    String problem = v instanceof JsonValue.Null ? "must not be null" : type.problem(v);
    if (problem != null) {
      throw KvException.invalid(what + " " + problem);
    }
    return type.indexPart(v);
  }

  private static byte[] encode(KeyPart p) {
    return KeyCodec.encode(Key.of(p));
  }

  /** The least byte string greater than every key extending {@code b}. */
  private static byte[] after(byte[] b) {
    byte[] out = Arrays.copyOf(b, b.length + 1);
    out[b.length] = (byte) 0xFF;
    return out;
  }
}
