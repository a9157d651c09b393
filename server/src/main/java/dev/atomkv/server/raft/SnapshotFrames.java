package dev.atomkv.server.raft;

import dev.atomkv.server.engine.LogPosition;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;

/**
 * The messages of a store copy sent from one member to another: a header (the log position the
 * copy holds and its size), the file in chunks, and a trailer with the SHA-256 of every byte
 * sent. The receiver checks the size and the digest before the copy may replace its store, so a
 * copy cut short or damaged on the way is never installed.
 */
final class SnapshotFrames {
  /** Small enough for gRPC's default 4 MiB message limit, large enough to stream quickly. */
  static final int CHUNK_BYTES = 512 * 1024;

  private static final byte HEADER = 1;
  private static final byte CHUNK = 2;
  private static final byte TRAILER = 3;
  private static final int DIGEST_BYTES = 32;

  private SnapshotFrames() {}

  static byte[] header(LogPosition position, long size) {
    return ByteBuffer.allocate(1 + 3 * Long.BYTES).put(HEADER).putLong(position.term())
        .putLong(position.index()).putLong(size).array();
  }

  static byte[] chunk(byte[] data, int length) {
    byte[] frame = new byte[1 + length];
    frame[0] = CHUNK;
    System.arraycopy(data, 0, frame, 1, length);
    return frame;
  }

  static byte[] trailer(byte[] digest) {
    return ByteBuffer.allocate(1 + DIGEST_BYTES).put(TRAILER).put(digest).array();
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  /** Reads a file's bytes as the frames that carry them, digesting as it goes. */
  static final class Sender {
    private final InputStream in;
    private final MessageDigest digest = sha256();
    private final byte[] buffer = new byte[CHUNK_BYTES];
    private byte[] first;
    private boolean done;

    Sender(LogPosition position, long size, InputStream in) {
      this.in = in;
      this.first = header(position, size);
    }

    /** The next frame, or null after the trailer. */
    byte[] next() throws IOException {
      if (first != null) {
        byte[] h = first;
        first = null;
        return h;
      }
      if (done) {
        return null;
      }
      int n = in.readNBytes(buffer, 0, buffer.length);
      if (n > 0) {
        digest.update(buffer, 0, n);
        return chunk(buffer, n);
      }
      done = true;
      return trailer(digest.digest());
    }
  }

  /**
   * Writes received frames to {@code out} and checks them: a header first, then chunks adding up
   * to the header's size, then a trailer whose digest matches the bytes written.
   */
  static final class Receiver {
    private final OutputStream out;
    private final MessageDigest digest = sha256();
    private LogPosition position;
    private long size = -1;
    private long received;
    private boolean complete;

    Receiver(OutputStream out) {
      this.out = out;
    }

    void accept(byte[] frame) throws IOException {
      if (frame.length == 0) {
        throw new IOException("empty frame in a store copy");
      }
      if (complete) {
        throw new IOException("frame after the end of a store copy");
      }
      switch (frame[0]) {
        case HEADER -> {
          if (position != null || frame.length != 1 + 3 * Long.BYTES) {
            throw new IOException("unexpected header in a store copy");
          }
          ByteBuffer b = ByteBuffer.wrap(frame, 1, 3 * Long.BYTES);
          position = new LogPosition(b.getLong(), b.getLong());
          size = b.getLong();
        }
        case CHUNK -> {
          if (position == null) {
            throw new IOException("store copy data before its header");
          }
          received += frame.length - 1;
          if (received > size) {
            throw new IOException("store copy longer than announced: " + size + " bytes");
          }
          digest.update(frame, 1, frame.length - 1);
          out.write(frame, 1, frame.length - 1);
        }
        case TRAILER -> {
          if (position == null || frame.length != 1 + DIGEST_BYTES) {
            throw new IOException("unexpected trailer in a store copy");
          }
          if (received != size) {
            throw new IOException("store copy cut short: " + received + " of " + size + " bytes");
          }
          if (!MessageDigest.isEqual(digest.digest(), Arrays.copyOfRange(frame, 1, frame.length))) {
            throw new IOException("store copy damaged: SHA-256 differs from the sender's");
          }
          complete = true;
        }
        default -> throw new IOException("unknown frame type " + frame[0] + " in a store copy");
      }
    }

    /** The position the copy holds, once it has arrived whole and checked. */
    LogPosition verified() throws IOException {
      if (!complete) {
        throw new IOException("store copy ended before its trailer: " + received + " of "
            + size + " bytes");
      }
      return position;
    }
  }
}
