package dev.atomkv.client;

import dev.atomkv.proto.v1.Entry;
import dev.atomkv.proto.v1.ListRequest;
import dev.atomkv.proto.v1.ListResponse;
import java.util.Arrays;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.function.Function;

/**
 * The entries of a List, fetched lazily a page at a time. Each page is one snapshot; a scan across
 * pages sees commits made between pages (as in Deno KV). {@link #hasNext()} and {@link #next()}
 * throw {@link KvException} when a page cannot be read.
 *
 * <p>{@link #cursor()} resumes the scan right after the last entry returned so far, even in the
 * middle of a page: pass it to {@link ListOptions.Builder#cursor} with the same selector and
 * direction.
 *
 * <p>Not thread-safe. Holds no server resources, so it need not be closed or drained.
 */
public final class KvListIterator implements Iterator<KvEntry> {
  private static final Base64.Encoder CURSOR_ENCODER = Base64.getUrlEncoder(); // with padding, as Deno

  private final ListSelector selector;
  private final ListOptions options;
  private final Function<ListRequest, ListResponse> fetchPage;

  private List<Entry> page = List.of();
  private int index;
  private String nextPageCursor;
  private boolean lastPageFetched;
  private long returned;
  private Key lastKey;

  KvListIterator(ListSelector selector, ListOptions options, Function<ListRequest, ListResponse> fetchPage) {
    this.selector = selector;
    this.options = options;
    this.fetchPage = fetchPage;
    this.nextPageCursor = options.cursor();
  }

  @Override
  public boolean hasNext() {
    if (limitReached()) {
      return false;
    }
    while (index == page.size()) {
      if (lastPageFetched) {
        return false;
      }
      fetch();
    }
    return true;
  }

  @Override
  public KvEntry next() {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    KvEntry entry = ProtoMapping.fromProto(page.get(index++), null);
    returned++;
    lastKey = entry.key();
    return entry;
  }

  /**
   * The cursor that resumes after the last entry returned by {@link #next()}: base64url with
   * padding of its encoded key minus the selector's common prefix (Deno KV's format, the same the
   * server sends). Before the first entry it is the cursor this iterator started from ("" for the
   * beginning of the range).
   */
  public String cursor() {
    if (lastKey == null) {
      return options.cursor();
    }
    byte[] key = lastKey.encoded();
    byte[] common = selector.commonPrefix();
    if (key.length < common.length || !Arrays.equals(key, 0, common.length, common, 0, common.length)) {
      throw new IllegalStateException("entry " + lastKey + " lies outside " + selector);
    }
    return CURSOR_ENCODER.encodeToString(Arrays.copyOfRange(key, common.length, key.length));
  }

  private boolean limitReached() {
    return options.limit() > 0 && returned >= options.limit();
  }

  private void fetch() {
    int pageLimit = options.batchSize();
    if (options.limit() > 0) {
      pageLimit = (int) Math.min(pageLimit, options.limit() - returned);
    }
    ListRequest.Builder request = ListRequest.newBuilder()
        .setLimit(pageLimit)
        .setCursor(nextPageCursor)
        .setReverse(options.reverse())
        .setConsistency(options.consistency().toProto());
    selector.applyTo(request);
    ListResponse response = fetchPage.apply(request.build());
    if (response.getEntriesCount() == 0 && response.getCursor().equals(nextPageCursor)
        && !response.getCursor().isEmpty()) {
      // Asking again would return the same empty page forever.
      throw new IllegalStateException("server returned an empty page that does not advance the cursor");
    }
    page = response.getEntriesList();
    index = 0;
    // The server looks one entry ahead, so an empty cursor means the range is exhausted.
    lastPageFetched = response.getCursor().isEmpty();
    nextPageCursor = response.getCursor();
  }
}
