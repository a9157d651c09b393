package dev.atomkv.server.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atomkv.server.engine.EngineOptions;
import dev.atomkv.server.engine.LogPosition;
import dev.atomkv.server.engine.ProposalId;
import dev.atomkv.server.engine.ReplicaStore;
import dev.atomkv.server.engine.StoredEntry;
import dev.atomkv.server.engine.SyncMode;
import dev.atomkv.server.lmdb.LmdbEngine;
import dev.atomkv.server.model.AtomicWrite;
import dev.atomkv.server.model.Key;
import dev.atomkv.server.model.KeyCodec;
import dev.atomkv.server.model.KeyPart;
import dev.atomkv.server.model.Mutation;
import dev.atomkv.server.model.Value;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.thirdparty.io.grpc.Server;
import org.apache.ratis.thirdparty.io.grpc.netty.NettyServerBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A member's store rebuilt from another's over the copy service (a real gRPC server on Ratis's
 * shaded gRPC, real LMDB stores on both sides): members that cannot serve are skipped, and a copy
 * that lacks entries the leader no longer has is never installed.
 */
class StoreInstallerTest {
  private static final long T0 = 1_800_000_000_000_000L;

  @TempDir Path dir;

  private final List<ReplicaStore> opened = new ArrayList<>();
  private final ExecutorService copier = Executors.newSingleThreadExecutor();
  private ReplicaStore source;
  private Server server;

  @BeforeEach
  void startSource() throws Exception {
    source = open("source");
    for (int i = 1; i <= 50; i++) {
      apply(source, "k" + i, "v" + i, i);
    }
    server = NettyServerBuilder.forAddress(new java.net.InetSocketAddress("127.0.0.1", 0))
        .addService(SnapshotTransfer.service(source, dir.resolve("source-copies"), copier))
        .build()
        .start();
  }

  @AfterEach
  void tearDown() {
    server.shutdownNow();
    copier.shutdownNow();
    opened.forEach(ReplicaStore::close);
  }

  private ReplicaStore open(String name) {
    ReplicaStore store = LmdbEngine.openReplica(EngineOptions.builder(dir.resolve(name))
        .mapSizeBytes(64L << 20).syncMode(SyncMode.NONE).build());
    opened.add(store);
    return store;
  }

  private static byte[] key(String k) {
    return KeyCodec.encode(new Key(List.of(new KeyPart.Text(k))));
  }

  private static void apply(ReplicaStore store, String k, String v, long index) throws Exception {
    store.apply(new ProposalId(0, 1, index),
        new AtomicWrite(List.of(), List.of(Mutation.set(key(k), Value.string(v)))),
        T0 + index, new LogPosition(2, index)).get(10, TimeUnit.SECONDS);
  }

  private static StoredEntry read(ReplicaStore store, String k) {
    return store.get(List.of(key(k))).get(0);
  }

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  @Test
  void aMemberThatCannotServeIsSkippedAndTheNextOnesCopyIsInstalled() throws Exception {
    ReplicaStore target = open("target");
    apply(target, "k1", "old", 1);
    Map<String, String> peers = new LinkedHashMap<>();
    peers.put("down", "127.0.0.1:" + freePort());
    peers.put("up", "127.0.0.1:" + server.getPort());
    try (StoreInstaller installer = new StoreInstaller(target, () -> peers)) {
      LogPosition installed = installer.install("down", 40).get(30, TimeUnit.SECONDS);
      assertEquals(new LogPosition(2, 50), installed);
      assertEquals(1, installer.installs());
    }
    assertEquals(new LogPosition(2, 50), target.lastApplied());
    for (int i = 1; i <= 50; i++) {
      assertEquals(read(source, "k" + i).versionstamp(), read(target, "k" + i).versionstamp());
    }
    assertEquals("v1", new String(read(target, "k1").value().payload()));
    assertFalse(Files.exists(target.dataDir().resolve(StoreInstaller.STAGING_DIR).resolve("in")),
        "the staged copy is gone once installed");
  }

  @Test
  void aCopyMissingNeededEntriesIsNotInstalledAndTheStoreStays() throws Exception {
    ReplicaStore target = open("target");
    apply(target, "mine", "kept", 1);
    Map<String, String> peers = Map.of("up", "127.0.0.1:" + server.getPort());
    try (StoreInstaller installer = new StoreInstaller(target, () -> peers)) {
      CompletionException failed = assertThrows(CompletionException.class,
          () -> installer.install("up", 60).join());
      assertTrue(failed.getCause().getMessage().contains("holding entry 60"),
          failed.getCause().getMessage());
      assertEquals(0, installer.installs());
    }
    assertEquals(new LogPosition(2, 1), target.lastApplied());
    assertEquals("kept", new String(read(target, "mine").value().payload()));
    assertEquals(null, read(target, "k2"));
  }
}
