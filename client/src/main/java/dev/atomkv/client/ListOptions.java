package dev.atomkv.client;

import java.util.Objects;

/**
 * How a List is read: total limit, page size, direction, where to resume and consistency.
 * Immutable; make one with {@link #builder()} or use {@link #defaults()}.
 */
public final class ListOptions {
  /** The page size when none is set. */
  public static final int DEFAULT_BATCH_SIZE = 100;
  /** The largest page the server accepts ("Too many entries (max 1000)"). */
  public static final int MAX_BATCH_SIZE = 1000;

  private static final ListOptions DEFAULTS = builder().build();

  private final long limit;
  private final int batchSize;
  private final boolean reverse;
  private final String cursor;
  private final Consistency consistency;

  private ListOptions(Builder b) {
    this.limit = b.limit;
    this.batchSize = b.batchSize;
    this.reverse = b.reverse;
    this.cursor = b.cursor;
    this.consistency = b.consistency;
  }

  /** No limit, pages of 100, ascending, from the beginning, strong reads. */
  public static ListOptions defaults() {
    return DEFAULTS;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The total number of entries to return; 0 means all. */
  public long limit() {
    return limit;
  }

  /** Entries per page (the ListRequest's limit), 1..1000. */
  public int batchSize() {
    return batchSize;
  }

  /** True for descending key order, starting at the end of the range. */
  public boolean reverse() {
    return reverse;
  }

  /** The cursor to resume after (from {@link KvListIterator#cursor()}), or "" to start at the beginning. */
  public String cursor() {
    return cursor;
  }

  /** The consistency of every page. */
  public Consistency consistency() {
    return consistency;
  }

  @Override
  public String toString() {
    return "ListOptions{limit=" + limit + ", batchSize=" + batchSize + ", reverse=" + reverse
        + ", cursor=" + Text.quote(cursor) + ", consistency=" + consistency + "}";
  }

  /** A builder of {@link ListOptions}. */
  public static final class Builder {
    private long limit;
    private int batchSize = DEFAULT_BATCH_SIZE;
    private boolean reverse;
    private String cursor = "";
    private Consistency consistency = Consistency.STRONG;

    private Builder() {}

    /** The total number of entries to return; 0 (the default) means all. */
    public Builder limit(long limit) {
      if (limit < 0) {
        throw new IllegalArgumentException("limit must be >= 0, got " + limit);
      }
      this.limit = limit;
      return this;
    }

    /** Entries per page, 1..1000 (default 100). Pages are also capped by the remaining total limit. */
    public Builder batchSize(int batchSize) {
      if (batchSize < 1 || batchSize > MAX_BATCH_SIZE) {
        throw new IllegalArgumentException("batchSize must be in 1..1000, got " + batchSize);
      }
      this.batchSize = batchSize;
      return this;
    }

    /** Descending order (default ascending). A cursor resumes only in the direction it came from. */
    public Builder reverse(boolean reverse) {
      this.reverse = reverse;
      return this;
    }

    /** Resume after the entry this cursor marks; null or "" starts at the beginning. */
    public Builder cursor(String cursor) {
      this.cursor = cursor == null ? "" : cursor;
      return this;
    }

    /** The consistency of every page (default {@link Consistency#STRONG}). */
    public Builder consistency(Consistency consistency) {
      this.consistency = Objects.requireNonNull(consistency, "consistency");
      return this;
    }

    public ListOptions build() {
      return new ListOptions(this);
    }
  }
}
