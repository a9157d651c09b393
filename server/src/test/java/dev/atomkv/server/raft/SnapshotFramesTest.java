package dev.atomkv.server.raft;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atomkv.server.engine.LogPosition;
import dev.atomkv.server.testing.Seeds;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SnapshotFramesTest {
  private static final LogPosition AT = new LogPosition(3, 1234);

  private static List<byte[]> frames(byte[] file) throws IOException {
    SnapshotFrames.Sender sender =
        new SnapshotFrames.Sender(AT, file.length, new ByteArrayInputStream(file));
    List<byte[]> frames = new ArrayList<>();
    for (byte[] f = sender.next(); f != null; f = sender.next()) {
      frames.add(f);
    }
    return frames;
  }

  private static byte[] randomFile(Random random, int size) {
    byte[] file = new byte[size];
    random.nextBytes(file);
    return file;
  }

  @Test
  void filesOfEverySizeArriveWholeAndChecked() throws IOException {
    Random random = new Random(Seeds.seed("SnapshotFramesTest.filesOfEverySize"));
    int chunk = SnapshotFrames.CHUNK_BYTES;
    for (int size : new int[] {0, 1, chunk - 1, chunk, chunk + 1, 3 * chunk + random.nextInt(chunk)}) {
      byte[] file = randomFile(random, size);
      List<byte[]> frames = frames(file);
      // header, ceil(size / chunk) chunks, trailer
      assertEquals(2 + (size + chunk - 1) / chunk, frames.size(), "frames for " + size);
      assertTrue(frames.stream().allMatch(f -> f.length <= chunk + 1));
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      SnapshotFrames.Receiver receiver = new SnapshotFrames.Receiver(out);
      for (byte[] f : frames) {
        receiver.accept(f);
      }
      assertEquals(AT, receiver.verified());
      assertArrayEquals(file, out.toByteArray());
    }
  }

  @Test
  void theSenderEndsAfterItsTrailer() throws IOException {
    SnapshotFrames.Sender sender =
        new SnapshotFrames.Sender(AT, 3, new ByteArrayInputStream(new byte[] {1, 2, 3}));
    for (int i = 0; i < 3; i++) {
      sender.next();
    }
    assertNull(sender.next());
    assertNull(sender.next());
  }

  private static IOException refused(List<byte[]> frames) {
    SnapshotFrames.Receiver receiver = new SnapshotFrames.Receiver(new ByteArrayOutputStream());
    return assertThrows(IOException.class, () -> {
      for (byte[] f : frames) {
        receiver.accept(f);
      }
      receiver.verified();
    });
  }

  @Test
  void aDamagedByteIsCaughtByTheDigest() throws IOException {
    Random random = new Random(Seeds.seed("SnapshotFramesTest.damagedByte"));
    List<byte[]> frames = frames(randomFile(random, 2 * SnapshotFrames.CHUNK_BYTES + 17));
    byte[] chunk = frames.get(1 + random.nextInt(frames.size() - 2));
    chunk[1 + random.nextInt(chunk.length - 1)] ^= 0x40;
    assertTrue(refused(frames).getMessage().contains("SHA-256"));
  }

  @Test
  void aMissingChunkOrTrailerIsCaught() throws IOException {
    Random random = new Random(Seeds.seed("SnapshotFramesTest.missing"));
    List<byte[]> frames = frames(randomFile(random, 2 * SnapshotFrames.CHUNK_BYTES + 5));
    List<byte[]> noChunk = new ArrayList<>(frames);
    noChunk.remove(2);
    assertTrue(refused(noChunk).getMessage().contains("cut short"));
    List<byte[]> noTrailer = new ArrayList<>(frames.subList(0, frames.size() - 1));
    assertTrue(refused(noTrailer).getMessage().contains("before its trailer"));
  }

  @Test
  void framesOutOfPlaceAreRefused() throws IOException {
    List<byte[]> frames = frames(new byte[] {1, 2, 3});
    // data before the header
    assertTrue(refused(List.of(frames.get(1))).getMessage().contains("before its header"));
    // more data than announced
    List<byte[]> longer = new ArrayList<>(frames);
    longer.add(2, SnapshotFrames.chunk(new byte[] {9}, 1));
    assertTrue(refused(longer).getMessage().contains("longer than announced"));
    // anything after the trailer, a second header, an unknown type
    List<byte[]> after = new ArrayList<>(frames);
    after.add(frames.get(1));
    assertTrue(refused(after).getMessage().contains("after the end"));
    assertTrue(refused(List.of(frames.get(0), frames.get(0))).getMessage()
        .contains("unexpected header"));
    assertTrue(refused(List.of(new byte[] {7})).getMessage().contains("unknown frame type"));
  }
}
