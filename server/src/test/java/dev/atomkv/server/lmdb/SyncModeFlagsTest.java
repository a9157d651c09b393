package dev.atomkv.server.lmdb;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.atomkv.server.engine.EngineOptions;
import dev.atomkv.server.engine.SyncMode;
import dev.atomkv.server.model.AtomicWrite;
import dev.atomkv.server.model.KeyCodec;
import dev.atomkv.server.model.Key;
import dev.atomkv.server.model.KeyPart;
import dev.atomkv.server.model.Mutation;
import dev.atomkv.server.model.Value;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.io.TempDir;
import org.lmdbjava.EnvFlags;

/** What each --sync mode asks of LMDB; never MDB_WRITEMAP (a full disk must not SIGBUS). */
class SyncModeFlagsTest {
  @TempDir Path dir;

  @Test
  void eachModeSetsItsFlags() {
    assertEquals(EnumSet.of(EnvFlags.MDB_NOTLS), flags(SyncMode.FULL));
    assertEquals(EnumSet.of(EnvFlags.MDB_NOTLS, EnvFlags.MDB_NOMETASYNC),
        flags(SyncMode.NO_METASYNC));
    assertEquals(EnumSet.of(EnvFlags.MDB_NOTLS, EnvFlags.MDB_NOSYNC), flags(SyncMode.NONE));
  }

  @ParameterizedTest
  @EnumSource(SyncMode.class)
  void everyModeOpensAndCommits(SyncMode mode) throws Exception {
    EngineOptions options = EngineOptions.builder(dir).mapSizeBytes(64L << 20).syncMode(mode)
        .build();
    byte[] key = KeyCodec.encode(Key.of(new KeyPart.Text("k")));
    try (LmdbEngine engine = LmdbEngine.open(options)) {
      assertEquals(true, engine.commit(new AtomicWrite(List.of(),
          List.of(Mutation.set(key, Value.string("v"))))).get().ok());
    }
    try (LmdbEngine engine = LmdbEngine.open(options)) {
      assertEquals(Value.string("v"), engine.get(List.of(key)).get(0).value());
    }
  }

  private static Set<EnvFlags> flags(SyncMode mode) {
    return EnumSet.copyOf(List.of(LmdbEnvironment.envFlags(mode)));
  }
}
