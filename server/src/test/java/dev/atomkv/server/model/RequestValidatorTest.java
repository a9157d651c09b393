package dev.atomkv.server.model;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Each rule of SPEC §5 at its limit and one past it, with the message the SPEC gives. */
class RequestValidatorTest {
  private static final String READ_KEY = "Key too large for read (max 2049 bytes)";

  private final RequestValidator defaults = new RequestValidator(Limits.defaults());

  private static void refused(String message, Executable rule) {
    KvException e = assertThrows(KvException.class, rule);
    assertEquals(ErrorKind.INVALID_ARGUMENT, e.kind());
    assertEquals(message, e.getMessage());
  }

  /** A Limits with the defaults, except those this test sets. */
  private static Limits limits(int maxResponseBytes, int maxRequestBytes, int maxWatchKeys,
      int maxListenInFlight) {
    return Limits.builder().maxResponseBytes(maxResponseBytes).maxRequestBytes(maxRequestBytes)
        .maxWatchKeys(maxWatchKeys).maxListenInFlight(maxListenInFlight).build();
  }

  @Test
  void getTakesNoneUpTo1000Keys() {
    assertDoesNotThrow(() -> defaults.getKeyCount(0));
    assertDoesNotThrow(() -> defaults.getKeyCount(1000));
    refused("Too many keys (max 1000)", () -> defaults.getKeyCount(1001));
  }

  @Test
  void watchTakesOneUpTo10Keys() {
    refused("A watch needs at least one key", () -> defaults.watchKeyCount(0));
    assertDoesNotThrow(() -> defaults.watchKeyCount(1));
    assertDoesNotThrow(() -> defaults.watchKeyCount(10));
    refused("Too many keys (max 10)", () -> defaults.watchKeyCount(11));
    RequestValidator three = new RequestValidator(limits(4 << 20, 0, 3, 100));
    refused("Too many keys (max 3)", () -> three.watchKeyCount(4));
  }

  @Test
  void aReadKeyIsNonEmptyAndAtMost2048BytesSoThatKPlus00Fits2049() {
    refused("key cannot be empty", () -> defaults.readKey(new byte[0]));
    assertDoesNotThrow(() -> defaults.readKey(new byte[1]));
    assertDoesNotThrow(() -> defaults.readKey(new byte[2048]));
    refused(READ_KEY, () -> defaults.readKey(new byte[2049]));
  }

  @Test
  void aReadBoundMayHave2049Bytes() {
    assertDoesNotThrow(() -> defaults.readBound(new byte[0]));
    assertDoesNotThrow(() -> defaults.readBound(new byte[2049]));
    refused(READ_KEY, () -> defaults.readBound(new byte[2050]));
  }

  @Test
  void aListSelectorsDerivedBoundsAreReadBounds() {
    byte[] p2048 = new byte[2048];
    p2048[0] = 0x02;
    // P+00 and P+FF have 2049 bytes: fine; one more byte of prefix is not.
    assertDoesNotThrow(() -> ListQuery.resolve(p2048, null, null, "", false, defaults));
    refused(READ_KEY, () -> ListQuery.resolve(new byte[2049], null, null, "", false, defaults));
  }

  @Test
  void aSnapshotReadTakesUpTo10Ranges() {
    assertDoesNotThrow(() -> defaults.readRangeCount(10));
    refused("Too many ranges (max 10)", () -> defaults.readRangeCount(11));
  }

  @Test
  void aListPageIs1To1000EntriesAnd0MeansTheDefault() {
    assertEquals(100, defaults.listLimit(0));
    assertEquals(1, defaults.listLimit(1));
    assertEquals(1000, defaults.listLimit(1000));
    refused("Too many entries (max 1000)", () -> defaults.listLimit(1001));
    refused("limit must not be negative", () -> defaults.listLimit(-1));
  }

  @Test
  void aKvConnectRangeStatesItsLimit1To1000() {
    refused("Invalid limit: it must be positive", () -> defaults.rangeLimit(0));
    refused("Invalid limit: it must be positive", () -> defaults.rangeLimit(-1));
    assertEquals(1, defaults.rangeLimit(1));
    assertEquals(1000, defaults.rangeLimit(1000));
    refused("Too many entries (max 1000)", () -> defaults.rangeLimit(1001));
  }

  @Test
  void requestBytesAreLimitedOnlyWhenSet() {
    assertDoesNotThrow(() -> defaults.requestBytes(Integer.MAX_VALUE), "0 is no limit");
    RequestValidator forge = new RequestValidator(limits(4 << 20, 4_000_000, 10, 100));
    assertDoesNotThrow(() -> forge.requestBytes(4_000_000));
    refused("Request too large (max 4000000 bytes)", () -> forge.requestBytes(4_000_001));
  }

  @Test
  void aGetResponseIsAtMostTheResponseCap() {
    assertDoesNotThrow(() -> defaults.getResponseBytes(4_194_304));
    refused("Response too large (max 4194304 bytes): request fewer keys",
        () -> defaults.getResponseBytes(4_194_305));
  }

  @Test
  void aListenerHoldsAtMost100MessagesReadAsUnsigned() {
    assertDoesNotThrow(() -> defaults.listenInFlight(0));
    assertDoesNotThrow(() -> defaults.listenInFlight(100));
    refused("Too many messages in flight (max 100)", () -> defaults.listenInFlight(101));
    refused("Too many messages in flight (max 100)", () -> defaults.listenInFlight(-1));
  }

  @Test
  void anExpiryAfterTheRequestFitsAJavaScriptNumber() {
    long max = RequestValidator.MAX_EXPIRY_MS;
    assertEquals(0, RequestValidator.expiryAfter(1000, 0), "0 is no expiry");
    assertEquals(1500, RequestValidator.expiryAfter(1000, 500));
    assertEquals(max, RequestValidator.expiryAfter(1000, max - 1000));
    refused("expireIn is too large", () -> RequestValidator.expiryAfter(1000, max - 999));
    refused("expireIn is too large", () -> RequestValidator.expiryAfter(1000, Long.MAX_VALUE));
    refused("expireIn must be a non-negative integer",
        () -> RequestValidator.expiryAfter(1000, -1));
  }

  @Test
  void anExpiryTimeFitsAJavaScriptNumber() {
    long max = RequestValidator.MAX_EXPIRY_MS;
    assertEquals(max, RequestValidator.expiryAt(max));
    refused("expireIn is too large", () -> RequestValidator.expiryAt(max + 1));
  }

  @Test
  void anAtomicWriteGoesThroughTheAtomicLimits() {
    byte[] key = {0x02, 'k', 0x00};
    Mutation set = new Mutation(key, MutationKind.SET, Value.bytes(new byte[65537]), 0, false,
        null);
    refused("Value too large (max 65536 bytes)",
        () -> defaults.atomicWrite(new AtomicWrite(List.of(), List.of(set))));
    Mutation fits = new Mutation(key, MutationKind.SET, Value.bytes(new byte[65536]), 0, false,
        null);
    assertDoesNotThrow(() -> defaults.atomicWrite(new AtomicWrite(List.of(), List.of(fits))));
  }
}
