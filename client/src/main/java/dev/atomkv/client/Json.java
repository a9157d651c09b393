package dev.atomkv.client;

import com.google.protobuf.ListValue;
import com.google.protobuf.NullValue;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import java.lang.reflect.Array;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Converts between plain Java documents and {@code google.protobuf.Value}.
 *
 * <p>To protobuf: {@code null}, {@link String}, {@link Number} (as a double; NaN and infinities
 * rejected), {@link Boolean}, {@link Map} with {@link String} keys, {@link Collection}, arrays
 * (object or primitive) and, nested anywhere, a {@code google.protobuf.Value} taken as is. From
 * protobuf: {@link LinkedHashMap}, {@link ArrayList}, {@link String}, {@link Double}, {@link
 * Boolean} and {@code null}.
 */
final class Json {
  private static final Value NULL = Value.newBuilder().setNullValue(NullValue.NULL_VALUE).build();

  private Json() {}

  /**
   * The document as a protobuf value.
   *
   * @throws IllegalArgumentException for an unsupported type, a non-string map key, a non-finite
   *     number, a protobuf value with no kind, or a container that contains itself
   */
  static Value toValue(Object doc) {
    return new Writer().write(doc);
  }

  /** The protobuf value as a plain Java document; a value with no kind reads as {@code null}. */
  static Object fromValue(Value value) {
    return switch (value.getKindCase()) {
      case NULL_VALUE, KIND_NOT_SET -> null;
      case NUMBER_VALUE -> value.getNumberValue();
      case STRING_VALUE -> value.getStringValue();
      case BOOL_VALUE -> value.getBoolValue();
      case STRUCT_VALUE -> {
        Map<String, Value> fields = value.getStructValue().getFieldsMap();
        Map<String, Object> map = new LinkedHashMap<>(Math.max(16, fields.size() * 2));
        for (Map.Entry<String, Value> field : fields.entrySet()) {
          map.put(field.getKey(), fromValue(field.getValue()));
        }
        yield map;
      }
      case LIST_VALUE -> {
        List<Object> list = new ArrayList<>(value.getListValue().getValuesCount());
        for (Value element : value.getListValue().getValuesList()) {
          list.add(fromValue(element));
        }
        yield list;
      }
    };
  }

  /** One conversion: tracks the path (for messages) and the open containers (for cycles). */
  private static final class Writer {
    private final Deque<String> path = new ArrayDeque<>();
    private final Set<Object> open = Collections.newSetFromMap(new IdentityHashMap<>());

    Value write(Object o) {
      if (o == null) {
        return NULL;
      } else if (o instanceof Value v) {
        if (v.getKindCase() == Value.KindCase.KIND_NOT_SET) {
          throw fail("a google.protobuf.Value with no kind set");
        }
        return v;
      } else if (o instanceof String s) {
        return Value.newBuilder().setStringValue(s).build();
      } else if (o instanceof Boolean b) {
        return Value.newBuilder().setBoolValue(b).build();
      } else if (o instanceof Number n) {
        double d = n.doubleValue();
        if (Double.isNaN(d) || Double.isInfinite(d)) {
          throw fail("the number " + n + " (JSON numbers are finite)");
        }
        return Value.newBuilder().setNumberValue(d).build();
      } else if (o instanceof Map<?, ?> map) {
        enter(map);
        Struct.Builder struct = Struct.newBuilder();
        for (Map.Entry<?, ?> field : map.entrySet()) {
          if (!(field.getKey() instanceof String name)) {
            throw fail("a map key that is not a string: " + describe(field.getKey()));
          }
          path.addLast("." + name);
          struct.putFields(name, write(field.getValue()));
          path.removeLast();
        }
        leave(map);
        return Value.newBuilder().setStructValue(struct).build();
      } else if (o instanceof Collection<?> collection) {
        enter(collection);
        ListValue.Builder list = ListValue.newBuilder();
        Iterator<?> elements = collection.iterator();
        for (int i = 0; elements.hasNext(); i++) {
          path.addLast("[" + i + "]");
          list.addValues(write(elements.next()));
          path.removeLast();
        }
        leave(collection);
        return Value.newBuilder().setListValue(list).build();
      } else if (o.getClass().isArray()) {
        enter(o);
        ListValue.Builder list = ListValue.newBuilder();
        int length = Array.getLength(o);
        for (int i = 0; i < length; i++) {
          path.addLast("[" + i + "]");
          list.addValues(write(Array.get(o, i)));
          path.removeLast();
        }
        leave(o);
        return Value.newBuilder().setListValue(list).build();
      }
      throw fail("a value of type " + o.getClass().getName());
    }

    private void enter(Object container) {
      if (!open.add(container)) {
        throw fail("a container that contains itself");
      }
    }

    private void leave(Object container) {
      open.remove(container);
    }

    private IllegalArgumentException fail(String what) {
      return new IllegalArgumentException("cannot convert to JSON: " + what + " at $" + String.join("", path));
    }

    private static String describe(Object key) {
      return key == null ? "null" : key.getClass().getName() + " " + key;
    }
  }
}
