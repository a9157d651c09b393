package dev.atomkv.server.raft;

import java.util.List;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.FileInfo;
import org.apache.ratis.statemachine.SnapshotInfo;

/**
 * A snapshot as Ratis sees it: only a position. The state it stands for is the LMDB store itself,
 * so it has no files for Ratis to keep or ship (members that need it copy the store, see
 * {@link StoreInstaller}).
 */
record StoreSnapshot(TermIndex getTermIndex) implements SnapshotInfo {
  @Override
  public List<FileInfo> getFiles() {
    return List.of();
  }
}
