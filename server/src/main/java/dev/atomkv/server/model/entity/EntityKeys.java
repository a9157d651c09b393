package dev.atomkv.server.model.entity;

import dev.atomkv.server.model.Key;
import dev.atomkv.server.model.KeyCodec;
import dev.atomkv.server.model.KeyPart;
import java.util.Arrays;
import java.util.List;

/**
 * Where entities live in the key space. Every internal key starts with 0xFF, a byte no tuple
 * encoding starts with, so no user key (gRPC, KV Connect, console) can name one and no List of
 * user keys (whose widest range is [0x00, 0xFF)) returns one; yet they are ordinary keys of the
 * store, written by ordinary commits, so they replicate, back up and expire like any other.
 *
 * <ul>
 *   <li>definition: {@code FF 01 ‖ tuple(entity)}
 *   <li>document: {@code FF 02 ‖ tuple(entity) ‖ tuple(document key parts)}
 *   <li>index entry: {@code FF 03 ‖ tuple(entity, index) ‖ tuple(partition values..., range
 *       value, document key parts...)}, holding a copy of the document
 *   <li>index build step: {@code FF 04 ‖ tuple(entity, index)}, a key never stored: a write to it
 *       asks the applier to index the next documents of a building index (so the build goes
 *       through the ordinary write path and replicates like any write)
 * </ul>
 *
 * <p>These are the keys as the default tenant stores them. Another tenant's are the same keys
 * behind its tenant prefix ({@code TenantKeys.dataPrefix}): the methods here work on a
 * tenant-relative key, and the applier strips the prefix before asking.
 */
public final class EntityKeys {
  static final byte INTERNAL = (byte) 0xFF;
  static final byte DEFINITION = 0x01;
  static final byte DOCUMENT = 0x02;
  static final byte INDEX = 0x03;
  static final byte BUILD = 0x04;

  private EntityKeys() {}

  public static byte[] definition(String entity) {
    return concat(new byte[] {INTERNAL, DEFINITION}, text(entity));
  }

  /** The range [start, end) holding every definition. */
  public static byte[] definitionsStart() {
    return new byte[] {INTERNAL, DEFINITION};
  }

  public static byte[] definitionsEnd() {
    return new byte[] {INTERNAL, DOCUMENT};
  }

  /**
   * Whether the bytes of {@code key} from {@code offset} on are a key a request may write to an
   * entity: a definition, a document or a build step (never an index entry, which only the
   * applier writes).
   */
  public static boolean isWritable(byte[] key, int offset) {
    if (key.length <= offset + 2 || key[offset] != INTERNAL) {
      return false;
    }
    byte kind = key[offset + 1];
    return kind == DEFINITION || kind == DOCUMENT || kind == BUILD;
  }

  public static boolean isDefinition(byte[] key) {
    return key.length > 2 && key[0] == INTERNAL && key[1] == DEFINITION;
  }

  /** The entity a definition key names. */
  public static String definitionEntity(byte[] key) {
    return ((KeyPart.Text) KeyCodec.decode(Arrays.copyOfRange(key, 2, key.length)).parts()
        .get(0)).value();
  }

  public static byte[] documentPrefix(String entity) {
    return concat(new byte[] {INTERNAL, DOCUMENT}, text(entity));
  }

  /** The stored key of the document {@code userKey} (an encoded, non-empty tuple). */
  public static byte[] document(String entity, byte[] userKey) {
    return concat(documentPrefix(entity), userKey);
  }

  public static boolean isDocument(byte[] key) {
    return key.length > 2 && key[0] == INTERNAL && key[1] == DOCUMENT;
  }

  /** A document key's entity and document key, decoded. */
  public record DocumentKey(String entity, byte[] userKey) {}

  public static DocumentKey parseDocument(byte[] key) {
    List<KeyPart> parts = KeyCodec.decode(Arrays.copyOfRange(key, 2, key.length)).parts();
    String entity = ((KeyPart.Text) parts.get(0)).value();
    int prefix = documentPrefix(entity).length;
    return new DocumentKey(entity, Arrays.copyOfRange(key, prefix, key.length));
  }

  public static byte[] indexPrefix(String entity, String index) {
    return concat(new byte[] {INTERNAL, INDEX},
        KeyCodec.encode(Key.of(new KeyPart.Text(entity), new KeyPart.Text(index))));
  }

  public static byte[] buildStep(String entity, String index) {
    return concat(new byte[] {INTERNAL, BUILD},
        KeyCodec.encode(Key.of(new KeyPart.Text(entity), new KeyPart.Text(index))));
  }

  public static boolean isBuildStep(byte[] key) {
    return key.length > 2 && key[0] == INTERNAL && key[1] == BUILD;
  }

  /** The request that indexes the next {@code chunk} documents of a building index. */
  public static dev.atomkv.server.model.Mutation buildStep(String entity, String index,
      int chunk) {
    return dev.atomkv.server.model.Mutation.set(buildStep(entity, index),
        dev.atomkv.server.model.Value.bytes(KeyCodec.encode(Key.of(KeyPart.Int.of(chunk)))));
  }

  /** How many document keys a build step examines at most. */
  public static int buildStepChunk(byte[] payload) {
    return ((KeyPart.Int) KeyCodec.decode(payload).parts().get(0)).value().intValueExact();
  }

  /** The entity and index a build step key names. */
  public static List<String> parseBuildStep(byte[] key) {
    List<KeyPart> parts = KeyCodec.decode(Arrays.copyOfRange(key, 2, key.length)).parts();
    return List.of(((KeyPart.Text) parts.get(0)).value(), ((KeyPart.Text) parts.get(1)).value());
  }

  /** The document key that an index entry (after its index prefix) ends with. */
  public static Key indexedDocument(byte[] entryKey, int prefixLength, int partitionCount) {
    // Only the document key is decoded: a query answers with it for every entry it returns, and
    // decoding the partition and range values too (and checking their encoding) made a query
    // page cost markedly more than a List page of the same documents.
    int at = KeyCodec.skipParts(entryKey, prefixLength, partitionCount + 1);
    return KeyCodec.decode(Arrays.copyOfRange(entryKey, at, entryKey.length));
  }

  static byte[] text(String s) {
    return KeyCodec.encode(Key.of(new KeyPart.Text(s)));
  }

  static byte[] concat(byte[] a, byte[] b) {
    byte[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
