package dev.atomkv.server.model.v8;

/**
 * The tags of V8's ValueSerializer format (v8/src/objects/value-serializer.cc) that this codec
 * reads or writes. Everything else a JavaScript program can store (Date, Map, typed arrays,
 * undefined, references to an object already seen...) is left as opaque bytes.
 */
final class V8Tags {
  static final int VERSION = 0xFF;
  /** The format version Node 20+ writes, and the one this codec writes (every reader takes it). */
  static final int WRITTEN_VERSION = 15;
  /** The newest version read: Deno 2.9's V8 writes 16, with the same tags for this subset. */
  static final int NEWEST_READ_VERSION = 16;
  /** The oldest version read: the first whose tags for this subset are the ones used here. */
  static final int OLDEST_READ_VERSION = 13;
  /** Accepted and skipped before any tag (V8 aligns two-byte strings with it). */
  static final int PADDING = 0x00;
  /** V8 versions 13 and later may write it; it carries a count nobody needs to check. */
  static final int VERIFY_OBJECT_COUNT = '?';
  static final int NULL = '0';
  static final int TRUE = 'T';
  static final int FALSE = 'F';
  static final int INT32 = 'I';
  static final int UINT32 = 'U';
  static final int DOUBLE = 'N';
  static final int BIGINT = 'Z';
  static final int UTF8_STRING = 'S';
  static final int ONE_BYTE_STRING = '"';
  static final int TWO_BYTE_STRING = 'c';
  static final int BEGIN_OBJECT = 'o';
  static final int END_OBJECT = '{';
  static final int BEGIN_DENSE_ARRAY = 'A';
  static final int END_DENSE_ARRAY = '$';

  private V8Tags() {}
}
